"""Sign in as every demo role over HTTP and open the home page."""

import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1]
USERS = ["officer1", "worker1", "coordinator1", "supervisor1", "admin"]
PASSWORD = "demo-pass-2026"


def wait_for_server():
    for _ in range(60):
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as r:
                return r.read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit("server did not start")


def sign_in_and_open_home(username):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{BASE}/accounts/login/", data=data, headers={"Referer": f"{BASE}/accounts/login/"}
    )
    response = opener.open(request)
    home = response.read().decode()
    assert response.geturl().rstrip("/") == BASE.rstrip("/") or response.geturl() == f"{BASE}/", response.geturl()
    assert "logout" in home or "登出" in home, f"{username}: home page does not show a signed-in user"
    return response.status


print("healthz:", wait_for_server())
for user in USERS:
    status = sign_in_and_open_home(user)
    print(f"smoke: {user} signed in, home page {status}")
print(f"smoke test ok: {len(USERS)} roles signed in and opened their home page")
