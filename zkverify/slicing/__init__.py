"""Sliced circuits: a model too big for one circuit, cut into consecutive slices whose proofs
are linked end to end by the Poseidon hashes of the tensors crossing each cut, or by their KZG
commitments inside the proofs (``link: polycommit``, :mod:`.commit`).

``build`` (:mod:`.build`) cuts the graph (:mod:`.cuts`) and builds each slice as a complete
circuit directory; ``prove`` (:mod:`.prove`) computes the witness chain and proves the slices in
parallel into one bundle of kind ``sliced``; the verdict on such a bundle is
:func:`.verdict.decide_sliced`, reached through :func:`zkverify.verdict.decide`; :mod:`.evm`
writes one contract that verifies every slice in a single call and checks the links.
"""
