#!/usr/bin/env python3
"""Open311 GeoReport v2 contract test: the third-party `georeport` client (PyPI) against a live
zizhi, in JSON and in XML. Usage: contract.py BASE_URL API_KEY. Prints one line per check and
exits non-zero on the first failure. Run by tests/it/open311_contract.rs (and CI)."""

import sys
import xml.etree.ElementTree as ET

import requests
import xmltodict
from georeport import GeoReport

base, key = sys.argv[1].rstrip("/"), sys.argv[2]
root = f"{base}/open311/v2"
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1
    print(f"ok: {what}")


def listed(x):
    """xmltodict gives one child as a dict and several as a list."""
    return x if isinstance(x, list) else [x]


for fmt in ("json", "xml"):
    client = GeoReport(root, api_key=key, output_format=fmt)
    services = listed(client.get_service_list())
    codes = [s["service_code"] for s in services]
    check("repairs" in codes and "instability" not in codes, f"{fmt}: services, sensitive ones never offered")
    d = client.get_service_definition("repairs")
    check(d["service_code"] == "repairs", f"{fmt}: service definition")

    r = requests.get(f"{root}/discovery.{fmt}")
    r.raise_for_status()
    if fmt == "json":
        url = r.json()["endpoints"][0]["url"]
    else:
        ET.fromstring(r.content)
        url = xmltodict.parse(r.content)["discovery"]["endpoints"]["endpoint"]["url"]
    check(url.startswith("http") and url.endswith("/open311/v2"), f"{fmt}: discovery gives an absolute URL ({url})")

    posted = requests.post(f"{root}/requests.{fmt}", data={
        "api_key": key, "service_code": "repairs", "description": f"契约测试 楼道灯不亮 ({fmt}) \x07",
        "address_string": "锦绣苑3号楼2单元", "lat": "40.8012", "long": "111.6601"})
    check(posted.status_code == 201, f"{fmt}: POST answers 201 ({posted.status_code} {posted.text[:200]})")
    if fmt == "json":
        rid = posted.json()[0]["service_request_id"]
    else:
        ET.fromstring(posted.content)
        rid = xmltodict.parse(posted.content)["service_requests"]["request"]["service_request_id"]

    one = client.get_service_request(rid)
    check(one["service_request_id"] == rid and one["status"] == "open", f"{fmt}: the request reads back")
    check(one["service_code"] == "repairs", f"{fmt}: with its service code")
    many = listed(client.get_service_requests(service_code="repairs,public_facility", status="open,closed"))
    check(any(x["service_request_id"] == rid for x in many), f"{fmt}: comma lists find it")
    by_id = listed(client.get_service_requests(service_request_id=rid))
    check(len(by_id) == 1, f"{fmt}: by id")
    r = requests.get(f"{root}/requests.{fmt}", params={"service_request_id": rid, "api_key": key})
    r.raise_for_status()
    if fmt == "xml":
        ET.fromstring(r.content)  # well-formed despite the control character filed
        keyed = xmltodict.parse(r.content)["service_requests"]["request"]
        check(float(keyed["lat"]) == 40.8012, "xml: the key's community reads the position as filed")
    else:
        keyed = r.json()[0]
        check(keyed["lat"] == 40.8012 and keyed["address"] == "锦绣苑3号楼2单元", "json: as filed to the key")
    anon = requests.get(f"{root}/requests/{rid}.{fmt}")
    check("2单元" not in anon.text and "40.8012" not in anon.text, f"{fmt}: anonymous clients never see the unit or the filed position")
    bad = requests.get(f"{root}/requests.{fmt}", params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z", "status": "maybe"})
    check(bad.status_code == 400, f"{fmt}: a span over 90 days and a bad status are refused")
    if fmt == "json":
        errs = bad.json()
    else:
        errs = listed(xmltodict.parse(bad.content)["errors"]["error"])
    check(len(errs) == 2, f"{fmt}: both errors at once ({errs})")

print(f"{checks} checks passed")
