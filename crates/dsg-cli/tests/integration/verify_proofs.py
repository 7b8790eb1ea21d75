#!/usr/bin/env python3
"""Independent check of dsg's audit proofs, written from the RFCs, not the Rust.

Reads one JSON object on stdin, printed by `dsg admin audit-prove` (it has
"leaf_index") or `dsg admin audit-consistency` (it has "from_size"), or
{"extract": [the lines of a company extract]}, or {"search_export": [the
lines of GET /api/v1/audit/export]}, and exits 0 if the proof
verifies, 1 (with the reason on stderr) if not.

Extract: every entry's leaf is recomputed, the Merkle Tree Hash over them
(RFC 9162 section 2.1.1) must be the root in the head entry's reason
"size=N root=HEX" with N the number of entries, each entry must name the
company, and the head must be included in the checkpoint's root.

Inclusion: RFC 9162 section 2.1.3.2. When the proof carries the entry, the
leaf hash is also recomputed from the salt and the entry's canonical v1
encoding (ARCHITECTURE.md). Consistency: RFC 9162 section 2.1.4.2. A signed
checkpoint in the output must name the same size and root; its ECDSA
signature is not checked here (stdlib only; `dsg admin audit-verify` does).
Only hashlib: nothing shared with the implementation under test.
"""

import hashlib
import json
import sys

ENTRY_FIELDS = ["id", "occurred_at", "request_id", "actor", "source", "action",
                "object_type", "object_id", "outcome", "reason"]


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def u64(n):
    return n.to_bytes(8, "big")


def entry_leaf(entry):
    """SHA-256(0x00 || salt || canonical_entry) with the v1 encoding.

    An entry past its retention period ("type": "expired") has no content
    any more; its stored leaf hash is all there is.

    Entries of requests from a registered terminal have a "terminal" field,
    entries made on a policy decision a "decision" field, and entries that
    concern a contractor end with a "company" field.
    """
    if entry.get("type") == "expired":
        return bytes.fromhex(entry["leaf_hash"])
    fields = ENTRY_FIELDS + [
        name for name in ("terminal", "decision", "company")
        if entry.get(name) is not None
    ]
    out = b"dsg-audit-entry/v1" + u64(len(fields))
    for name in fields:
        out += u64(len(name)) + name.encode()
        value = entry[name]
        if value is None:
            out += b"\x00"
        else:
            value = str(value).encode()
            out += b"\x01" + u64(len(value)) + value
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry["salt"]) + out).digest()


def mth(leaves):
    """RFC 9162 2.1.1, the recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def check_extract(lines):
    header, head, checkpoint = lines[0], lines[-2], lines[-1]
    entries = lines[1:-2]
    if header.get("format") != "dsg-audit-company-extract/v1":
        return "not an extract"
    company = header["company"]
    if any(e["type"] not in ("entry", "expired") or e.get("company") != company
           for e in entries):
        return "an entry of another company"
    seqs = [e["seq"] for e in entries]
    if seqs != sorted(set(seqs)):
        return "entries out of order"
    reason = head["entry"]["reason"]
    size_part, root_part = reason.split(" ")
    size = int(size_part.removeprefix("size="))
    root = bytes.fromhex(root_part.removeprefix("root="))
    if head["entry"]["action"] != "audit.company_head" or head["entry"]["object_id"] != company:
        return "the head is not this company's"
    if size != len(entries) or mth([entry_leaf(e) for e in entries]) != root:
        return "the entries do not hash to the head's root"
    if seqs and seqs[-1] >= head["entry"]["seq"]:
        return "the head precedes entries it covers"
    cp = checkpoint["signed"]["checkpoint"]
    if cp["tree_size"] != head["tree_size"]:
        return "the head's proof is for another tree"
    if not verify_inclusion(head["entry"]["seq"], head["tree_size"], entry_leaf(head["entry"]),
                            [bytes.fromhex(p) for p in head["path"]], bytes.fromhex(cp["root"])):
        return "the head is not in the checkpoint's tree"
    return None


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 2.1.4.2; the RFC leaves first == second and first == 0 to
    the caller: equal trees need an empty proof, the empty tree (root
    SHA-256("")) is a prefix of every tree."""
    if first > second:
        return False
    if first == 0:
        return not proof and first_root == hashlib.sha256(b"").digest()
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    # Step 2: a power-of-two first tree is a complete subtree whose root
    # the proof omits.
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def matches_checkpoint(signed, size, root):
    if signed is None:
        return True
    cp = signed["checkpoint"]
    return cp["tree_size"] == size and bytes.fromhex(cp["root"]) == root


def check_search_export(lines):
    """Every line with a proof is included in the header's checkpoint."""
    header, entries = lines[0], lines[1:]
    if header.get("format") != "dsg-audit-search-export/v1":
        return "not a search export"
    cp = header["checkpoint"]["checkpoint"]
    root = bytes.fromhex(cp["root"])
    proven = 0
    for e in entries:
        if "proof" not in e:
            continue
        if e["proof"]["tree_size"] != cp["tree_size"]:
            return f"entry {e['seq']}: proof for another tree"
        if not verify_inclusion(e["seq"], cp["tree_size"], entry_leaf(e),
                                [bytes.fromhex(p) for p in e["proof"]["path"]], root):
            return f"entry {e['seq']}: not in the checkpoint's tree"
        proven += 1
    if proven == 0:
        return "no entry carries a proof"
    return None


def check(doc):
    h = bytes.fromhex
    if "extract" in doc:
        return check_extract(doc["extract"])
    if "search_export" in doc:
        return check_search_export(doc["search_export"])
    if "leaf_index" in doc:
        leaf, root = h(doc["leaf_hash"]), h(doc["root"])
        if "entry" in doc and entry_leaf(doc["entry"]) != leaf:
            return "leaf hash is not the hash of the entry"
        if "entry" in doc and doc["entry"]["seq"] != doc["leaf_index"]:
            return "entry seq is not the leaf index"
        if not verify_inclusion(doc["leaf_index"], doc["tree_size"], leaf,
                                [h(p) for p in doc["path"]], root):
            return "inclusion proof does not verify"
        if not matches_checkpoint(doc.get("checkpoint"), doc["tree_size"], root):
            return "checkpoint does not match the proven root"
        return None
    first, second = doc["from_size"], doc["to_size"]
    first_root, second_root = h(doc["from_root"]), h(doc["to_root"])
    if not verify_consistency(first, second, first_root, second_root,
                              [h(p) for p in doc["proof"]]):
        return "consistency proof does not verify"
    if not (matches_checkpoint(doc.get("from_checkpoint"), first, first_root)
            and matches_checkpoint(doc.get("to_checkpoint"), second, second_root)):
        return "checkpoint does not match a proven root"
    return None


def main():
    try:
        problem = check(json.load(sys.stdin))
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        problem = f"malformed proof: {e!r}"
    if problem:
        print(f"REJECTED: {problem}", file=sys.stderr)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
