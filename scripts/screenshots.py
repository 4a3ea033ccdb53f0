"""Screenshots for the README, taken from the demo city in both languages.

Usage: python scripts/screenshots.py BASE_URL OUT_DIR  (scripts/screenshots seeds the city and starts the server)

Signs in as each demo role through the login form, switches the language with the header's language
form and saves PNGs: every role's home page, the supervisor dashboard, a case page (an open referral
in the social worker's triage queue, waiting for acknowledgement) and a home visit on a phone.
Pages are found by following links, never by record id.
"""

import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-pass-2026"  # accounts.demo.DEMO_PASSWORD
LANGUAGES = ["zh-hant", "en"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 640}
MAX_HEIGHT = 1600  # long pages are cut here to keep the files small
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
LAUNCH_TIMEOUT_MS = 60_000
REFERRAL_LINK = re.compile(r"^/referrals/\d+/$")
VISIT_LINK = re.compile(r"^/safety/visits/\d+/$")


def wait_for_server(base):
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit("server did not start")


class Shooter:
    def __init__(self, browser, base, out):
        self.browser, self.base, self.out = browser, base, out
        self.saved = []

    def sign_in(self, username, language, viewport=DESKTOP):
        """A new browser context (its locale formats the date inputs), signed in through the login form."""
        context = self.browser.new_context(
            viewport=viewport, device_scale_factor=1, locale="zh-TW" if language == "zh-hant" else "en-GB"
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{self.base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
        if page.locator("input[name=password]").count():
            raise SystemExit(f"{username}: still on the login page at {page.url}")
        self.language(page, language)
        return page

    def language(self, page, language):
        """Switch with the header's language form (it also remembers the choice on the user)."""
        if page.get_attribute("html", "lang", timeout=ACTION_TIMEOUT_MS).lower() != language:
            with page.expect_navigation():
                page.click(f"form.lang-switch button[value={language}]")
            page.wait_for_load_state("load")
        found = page.get_attribute("html", "lang", timeout=ACTION_TIMEOUT_MS).lower()
        if found != language:
            raise SystemExit(f"language switch to {language} failed ({found}) at {page.url}")

    def goto(self, page, path):
        response = page.goto(f"{self.base}{path}")
        if response is None or response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status if response else '?'}")
        page.wait_for_load_state("load")

    def shoot(self, page, name):
        page.wait_for_load_state("load")
        if page.locator("input[name=password]").count() or "/login/" in page.url:
            raise SystemExit(f"{name}: landed on the login page ({page.url})")
        path = self.out / f"{name}.png"
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        width = page.viewport_size["width"]
        page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        self.saved.append(path)
        print(f"{path} ({path.stat().st_size // 1024} KiB) <- {page.url}")


def case_link(page, shooter):
    """An open referral in the triage queue, waiting for acknowledgement and not yet overdue."""
    shooter.goto(page, "/referrals/queue/")
    rows = page.locator("table[data-testid=queue] tbody tr")
    waiting = rows.filter(has=page.locator("[data-testid^=ack-]"))
    for candidates in (waiting.locator("xpath=self::tr[not(contains(@class,'is-overdue'))]"), waiting, rows):
        if candidates.count():
            href = candidates.first.locator("th a").first.get_attribute("href")
            if href and REFERRAL_LINK.match(href):
                return href
    raise SystemExit("no referral in the social worker's queue")


def visit_link(page, shooter):
    """The social worker's own latest home visit (the list is newest first), else the team's latest."""
    name = page.evaluate("document.querySelector('details.user-menu summary').firstChild.textContent.trim()")
    shooter.goto(page, "/safety/visits/")
    rows = page.locator("table[data-testid=visits] tbody tr")
    for candidates in (rows.filter(has=page.locator("td", has_text=name)), rows):
        if candidates.count():
            href = candidates.first.locator("a").first.get_attribute("href")
            if href and VISIT_LINK.match(href):
                return href
    raise SystemExit("no home visit in the social worker's list")


def main():
    base, out = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    wait_for_server(base)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"], timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            shooter = Shooter(browser, base, out)
            for language in LANGUAGES:
                for username, role in (("officer1", "officer"), ("worker1", "worker"), ("coordinator1", "coordinator")):
                    page = shooter.sign_in(username, language)
                    shooter.goto(page, "/")
                    shooter.shoot(page, f"{role}-home-{language}")
                    if username == "worker1":
                        shooter.goto(page, case_link(page, shooter))
                        shooter.shoot(page, f"case-{language}")
                        visit = visit_link(page, shooter)
                    page.context.close()
                # The supervisor's home page is the dashboard.
                page = shooter.sign_in("supervisor1", language)
                shooter.goto(page, "/")
                page.wait_for_selector("[data-testid=kpi-total]")
                shooter.shoot(page, f"dashboard-{language}")
                page.context.close()
                page = shooter.sign_in("worker1", language, viewport=PHONE)
                shooter.goto(page, visit)
                shooter.shoot(page, f"visit-phone-{language}")
                page.context.close()
        finally:
            browser.close()
    print(f"{len(shooter.saved)} screenshots in {out}")


if __name__ == "__main__":
    main()
