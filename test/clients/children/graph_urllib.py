"""A Python caller with the host written in (https://graph.facebook.com), using only the standard
library: urllib honours HTTPS_PROXY (CONNECT) and the default SSL context honours SSL_CERT_FILE.
Usage: python3 graph_urllib.py <token> <ad account id>. Prints one JSON report."""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

GRAPH = "https://graph.facebook.com/v24.0"
token, account = sys.argv[1], sys.argv[2]


def call(method, path, params=None, form=None):
    query = urllib.parse.urlencode({**(params or {}), "access_token": token})
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(f"{GRAPH}/{path}?{query}", data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return {"status": res.status, "body": json.loads(res.read())}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": json.loads(e.read())}


report = {
    "me": call("GET", "me", {"fields": "id,name,email"}),
    "error": call("GET", "999999999", {"fields": "id"}),
    "create": call("POST", f"act_{account}/customaudiences", form={
        "name": "python audience", "subtype": "CUSTOM", "customer_file_source": "USER_PROVIDED_ONLY"}),
}
print(json.dumps(report))
