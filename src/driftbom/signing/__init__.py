"""Signed records: a record, its model files and its dataset manifests under one signature.

``keys`` reads ECDSA and Ed25519 keys; ``dsse`` signs and checks DSSE envelopes;
``statement`` makes the in-toto Statement of a record (its subjects and the CycloneDX document
as predicate); ``verify`` checks an envelope and every subject still on disk; ``openssf``
writes a model's signature in the OpenSSF model-signing format; ``keyless`` signs and
verifies the same Statement through Sigstore (the optional ``sigstore`` library).
"""
