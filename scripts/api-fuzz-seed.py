#!/usr/bin/env python3
"""Seeds schemathesis with real objects (issue 22 item 2): reads /api/openapi.json and the demo
database, and writes a copy of the document in which every path parameter may only take ids
that exist (the newest few of its table), so that the fuzzer reaches real objects instead of
inventing ids that answer 404. The served document is not changed; only the fuzzer's copy.
Usage: api-fuzz-seed.py DOC_IN SQLITE_DB DOC_OUT"""

import json
import sqlite3
import sys

doc_in, db_path, doc_out = sys.argv[1:4]
doc = json.load(open(doc_in))
db = sqlite3.connect(db_path)


def ids(sql):
    try:
        return [r[0] for r in db.execute(sql).fetchall() if r[0] is not None]
    except sqlite3.Error:
        return []


def newest(table, where="1=1"):
    """The newest few, of the demo secretary's community (1) where the table says whose."""
    mine = ids(f"SELECT id FROM {table} WHERE {where} AND community_id = 1 ORDER BY id DESC LIMIT 4")
    return mine or ids(f"SELECT id FROM {table} WHERE {where} ORDER BY id DESC LIMIT 4")


# The table behind a path's segment, where its name is not the table's.
TABLE = {
    "aid-plans": "aid_plans", "erasure-requests": "erasure_requests", "party-orgs": "party_orgs",
    "policy-documents": "policy_documents", "social-orgs": "social_orgs",
    "social-units": "social_units", "unadmitted-tasks": "unadmitted_tasks",
    "admissions": "admissions", "motions": "motions", "corrections": "correction_requests",
}

# The second parameter of nested paths, by name (and the path it is under).
def nested(path, name):
    if name == "task":
        return newest("campaign_tasks")
    if name == "objection":
        return newest("election_objections" if "/elections/" in path else "disclosure_objections")
    if name == "comment":
        return newest("rule_comments")
    if name == "batch":
        return newest("election_paper_batches" if "/elections/" in path else "appraisal_paper_batches")
    if name == "obligation":
        return newest("agreement_obligations")
    if name == "motion":
        return newest("motions")
    if name == "code" and "/case-categories/" in path:
        return ids("SELECT code FROM case_categories WHERE community_id IS NULL AND public_intake = 1 LIMIT 4")
    if name == "code" and "/track/" in path:
        return ids("SELECT tracking_code FROM cases ORDER BY id DESC LIMIT 4")
    if name == "file" and "/ledgers/" in path:
        return ["residents.xlsx", "residents.csv", "general.xlsx", "social-orgs.csv", "social-units-import.xlsx"]
    if name == "ledger" and "/imports/" in path:
        return ["social-units", "social-orgs"]
    return []


seeded, left = 0, []
for path, item in doc["paths"].items():
    segments = path.strip("/").split("/")
    for op in (v for k, v in item.items() if k in ("get", "post", "put", "delete", "patch")):
        for p in op.get("parameters", []):
            if p.get("in") != "path":
                continue
            name = p["name"]
            i = segments.index("{" + name + "}")
            parent = segments[i - 1]
            if name == "id" and parent == "associations":
                values = newest("bodies", "kind = 'association'")
            elif name == "id":
                table = TABLE.get(parent, parent.replace("-", "_"))
                values = newest(table)
                if parent == "meetings" and path.endswith(".ics"):
                    values = []
            else:
                values = nested(path, name)
            if values:
                p["schema"] = {"type": "integer" if isinstance(values[0], int) else "string", "enum": values}
                seeded += 1
            else:
                left.append(f"{path} {{{name}}}")
json.dump(doc, open(doc_out, "w"), ensure_ascii=False)
print(f"seeded {seeded} path parameters with real ids; left as documented: {len(left)}", file=sys.stderr)
for l in left:
    print(f"  {l}", file=sys.stderr)
