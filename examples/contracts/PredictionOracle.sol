// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The verifier that `zkverify evm export` writes (ezkl's Halo2Verifier). It reverts on most
/// invalid proofs and may return false on others: a consumer must treat both as "rejected".
interface IHalo2Verifier {
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// A prediction oracle: it records a model's output only when a zero-knowledge proof shows
/// that the committed model produced it. The verifier is fixed at deployment, so a proof made
/// for another circuit (another model, other weights, other settings) is rejected.
///
/// Public instances are laid out as ezkl lays them: public inputs (or an input hash) first,
/// public outputs last. Outputs are fixed-point field elements, scaled by 2^outputScale;
/// negative values wrap around the BN254 scalar field and are decoded here to int256.
contract PredictionOracle {
    /// BN254 scalar field modulus: the field the circuit's values live in.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IHalo2Verifier public immutable verifier;
    uint256 public immutable instanceCount;
    uint256 public immutable outputCount;

    /// Latest verified outputs (fixed point), their argmax and how many proofs were accepted.
    int256[] private _outputs;
    uint256 public prediction;
    uint256 public predictionCount;

    event PredictionVerified(uint256 indexed count, uint256 prediction, int256[] outputs, bytes32 proofHash);

    error WrongInstanceCount(uint256 got, uint256 expected);
    error ProofRejected();
    error NotAFieldElement(uint256 value);

    constructor(IHalo2Verifier verifier_, uint256 instanceCount_, uint256 outputCount_) {
        require(outputCount_ > 0 && outputCount_ <= instanceCount_, "bad instance layout");
        verifier = verifier_;
        instanceCount = instanceCount_;
        outputCount = outputCount_;
    }

    /// Verify `proof` over `instances` and, only if it holds, store the outputs it proves.
    /// Reverts (storing nothing) when the verifier rejects the proof in any way.
    function submit(bytes calldata proof, uint256[] calldata instances) external returns (uint256) {
        if (instances.length != instanceCount) revert WrongInstanceCount(instances.length, instanceCount);
        bool ok;
        try verifier.verifyProof(proof, instances) returns (bool result) {
            ok = result;
        } catch {
            ok = false;
        }
        if (!ok) revert ProofRejected();

        delete _outputs;
        uint256 first = instanceCount - outputCount;
        uint256 best;
        int256 bestValue = type(int256).min;
        for (uint256 i = 0; i < outputCount; i++) {
            int256 v = toSigned(instances[first + i]);
            _outputs.push(v);
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        prediction = best;
        predictionCount += 1;
        emit PredictionVerified(predictionCount, best, _outputs, keccak256(proof));
        return best;
    }

    /// The latest verified outputs, fixed point (divide by 2^outputScale for the real value).
    function outputs() external view returns (int256[] memory) {
        return _outputs;
    }

    /// A field element as a signed integer: values above p/2 stand for negative numbers.
    function toSigned(uint256 felt) public pure returns (int256) {
        if (felt >= FIELD_MODULUS) revert NotAFieldElement(felt);
        return felt > FIELD_MODULUS / 2 ? -int256(FIELD_MODULUS - felt) : int256(felt);
    }
}
