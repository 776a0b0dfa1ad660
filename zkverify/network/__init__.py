"""The open network: an on-chain registry of circuits and nodes (``registry``), the accounts that
sign its transactions (``wallet``), clients that fail over between nodes and verify what they get
(``failover``), nodes that announce themselves (``announce``) and the audit trail (``audit``).

Trust still comes only from the proofs: the registry says which circuit ids exist, which vk hash
and verifier each has and where nodes are; every file a client uses is checked against the
circuit id, and every bundle is verified locally before it is believed or recorded.
"""
