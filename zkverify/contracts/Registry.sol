// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title zkverify registry: circuits, the nodes that serve them, and verified inferences.
/// @notice A circuit is named by its zkverify circuit id (sha256 of its card). Anyone may publish
/// a circuit id once; after that only its publisher changes the entry. Anyone may announce a
/// node for a published circuit; only the account that added a (circuit, url) entry removes it.
/// `submit` records an inference only when the circuit's own verifier accepts the proof, under
/// sha256(proof || each instance as a 32-byte big-endian word): zkverify's canonical proof hash.
contract ZkVerifyRegistry {
    // ezkl's per-circuit verifier: verifyProof(bytes,uint256[]) returns (bool); reverts when invalid.
    bytes4 internal constant VERIFY = 0x1e8e1e13;
    // ezkl's reusable verifier takes the circuit's VKA (verifying key artifact) as a third argument
    // and returns (bool, bytes32, int256[]); the VKA must have been registered with it.
    bytes4 internal constant VERIFY_REUSABLE = bytes4(keccak256("verifyProof(bytes,uint256[],bytes32[])"));

    struct Circuit {
        bytes32 vkHash;
        address verifier;
        address publisher;
        string cardUri;
        // zero: a per-circuit verifier; else keccak256 of the circuit's VKA, registered with the
        // reusable verifier (the VKA itself travels in submitReusable's calldata: storing 5 KB
        // per circuit here would cost more than a verifier of its own)
        bytes32 vkaDigest;
        uint64 publishedAt;
    }

    struct Node {
        string url;
        address owner;
    }

    mapping(bytes32 => Circuit) internal circuits;
    bytes32[] public circuitIds;
    mapping(bytes32 => Node[]) internal nodeList;
    // (circuit id, keccak256(url)) -> index in nodeList + 1 (0: no entry)
    mapping(bytes32 => mapping(bytes32 => uint256)) internal nodeIndex;
    // proof hash -> who submitted it (zero: not recorded)
    mapping(bytes32 => address) public submitterOf;
    uint256 public recordedCount;

    event CircuitPublished(bytes32 indexed circuitId, address indexed publisher, address verifier,
                           bytes32 vkHash, string cardUri, bool reusable);
    event NodeAdded(bytes32 indexed circuitId, address indexed owner, string url);
    event NodeRemoved(bytes32 indexed circuitId, address indexed owner, string url);
    event InferenceRecorded(bytes32 indexed circuitId, bytes32 indexed proofHash,
                            address indexed submitter, uint256[] instances);

    error NotPublisher(bytes32 circuitId, address publisher);
    error UnknownCircuit(bytes32 circuitId);
    error NotNodeOwner(bytes32 circuitId, address owner);
    error NodeExists(bytes32 circuitId, address owner);
    error NoSuchNode(bytes32 circuitId);
    error NoVerifier(address verifier);
    error ProofRejected(bytes32 circuitId);
    error NeedsVka(bytes32 circuitId);
    error WrongVka(bytes32 circuitId);
    error AlreadyRecorded(bytes32 proofHash, address submitter);

    /// Publish a circuit, or (its publisher only) change its entry.
    function publish(bytes32 circuitId, bytes32 vkHash, address verifier, string calldata cardUri,
                     bytes32 vkaDigest) external {
        Circuit storage c = circuits[circuitId];
        if (c.publisher == address(0)) {
            circuitIds.push(circuitId);
            c.publisher = msg.sender;
            c.publishedAt = uint64(block.timestamp);
        } else if (c.publisher != msg.sender) {
            revert NotPublisher(circuitId, c.publisher);
        }
        if (verifier.code.length == 0) revert NoVerifier(verifier);
        c.vkHash = vkHash;
        c.verifier = verifier;
        c.cardUri = cardUri;
        c.vkaDigest = vkaDigest;
        emit CircuitPublished(circuitId, msg.sender, verifier, vkHash, cardUri, vkaDigest != 0);
    }

    function circuit(bytes32 circuitId) external view returns (
        bytes32 vkHash, address verifier, address publisher, string memory cardUri, bytes32 vkaDigest,
        uint64 publishedAt
    ) {
        Circuit storage c = circuits[circuitId];
        if (c.publisher == address(0)) revert UnknownCircuit(circuitId);
        return (c.vkHash, c.verifier, c.publisher, c.cardUri, c.vkaDigest, c.publishedAt);
    }

    function circuitCount() external view returns (uint256) {
        return circuitIds.length;
    }

    /// Announce a node serving a published circuit; the sender owns the (circuit, url) entry.
    function addNode(bytes32 circuitId, string calldata url) external {
        if (circuits[circuitId].publisher == address(0)) revert UnknownCircuit(circuitId);
        bytes32 key = keccak256(bytes(url));
        uint256 at = nodeIndex[circuitId][key];
        if (at != 0) {
            address owner = nodeList[circuitId][at - 1].owner;
            if (owner == msg.sender) return; // announcing again is a no-op
            revert NodeExists(circuitId, owner);
        }
        nodeList[circuitId].push(Node(url, msg.sender));
        nodeIndex[circuitId][key] = nodeList[circuitId].length;
        emit NodeAdded(circuitId, msg.sender, url);
    }

    /// Remove a node entry; only the account that added it may.
    function removeNode(bytes32 circuitId, string calldata url) external {
        bytes32 key = keccak256(bytes(url));
        uint256 at = nodeIndex[circuitId][key];
        if (at == 0) revert NoSuchNode(circuitId);
        Node[] storage list = nodeList[circuitId];
        address owner = list[at - 1].owner;
        if (owner != msg.sender) revert NotNodeOwner(circuitId, owner);
        Node memory last = list[list.length - 1];
        list[at - 1] = last;
        nodeIndex[circuitId][keccak256(bytes(last.url))] = at;
        list.pop();
        delete nodeIndex[circuitId][key];
        emit NodeRemoved(circuitId, msg.sender, url);
    }

    function nodes(bytes32 circuitId) external view returns (string[] memory urls, address[] memory owners) {
        Node[] storage list = nodeList[circuitId];
        urls = new string[](list.length);
        owners = new address[](list.length);
        for (uint256 i = 0; i < list.length; i++) {
            urls[i] = list[i].url;
            owners[i] = list[i].owner;
        }
    }

    /// Record a verified inference: the circuit's verifier must accept (proof, instances).
    function submit(bytes32 circuitId, bytes calldata proof, uint256[] calldata instances)
        external returns (bytes32)
    {
        Circuit storage c = circuits[circuitId];
        if (c.publisher == address(0)) revert UnknownCircuit(circuitId);
        if (c.vkaDigest != 0) revert NeedsVka(circuitId);
        return _record(circuitId, c.verifier, abi.encodeWithSelector(VERIFY, proof, instances), proof,
                       instances);
    }

    /// The same for a circuit published with the reusable verifier: its VKA goes along.
    function submitReusable(bytes32 circuitId, bytes calldata proof, uint256[] calldata instances,
                            bytes32[] calldata vka) external returns (bytes32) {
        Circuit storage c = circuits[circuitId];
        if (c.publisher == address(0)) revert UnknownCircuit(circuitId);
        if (c.vkaDigest == 0 || keccak256(abi.encodePacked(vka)) != c.vkaDigest) revert WrongVka(circuitId);
        return _record(circuitId, c.verifier,
                       abi.encodeWithSelector(VERIFY_REUSABLE, proof, instances, vka), proof, instances);
    }

    function _record(bytes32 circuitId, address verifier, bytes memory data, bytes calldata proof,
                     uint256[] calldata instances) internal returns (bytes32 proofHash) {
        proofHash = sha256(abi.encodePacked(proof, instances));
        address earlier = submitterOf[proofHash];
        if (earlier != address(0)) revert AlreadyRecorded(proofHash, earlier);
        (bool ok, bytes memory ret) = verifier.call(data);
        // A revert, a short answer (no code) or false are all a rejection.
        if (!ok || ret.length < 32 || abi.decode(ret, (uint256)) != 1) revert ProofRejected(circuitId);
        submitterOf[proofHash] = msg.sender;
        recordedCount += 1;
        emit InferenceRecorded(circuitId, proofHash, msg.sender, instances);
    }

    /// The topic of InferenceRecorded, so clients need no keccak of their own to filter logs.
    function recordedTopic() external pure returns (bytes32) {
        return InferenceRecorded.selector;
    }
}
