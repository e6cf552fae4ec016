#!/usr/bin/env python3
"""Shared helpers of the console's browser tests (scripts/browser/test_console_*.py): a headless Chromium against the
live `lifeline serve --demo` that scripts/browser.sh starts, logged in as the demo operators whose credentials the
server printed (`operator NAME: password=… totp=…` lines of its log, --server-log).

A test file of an area looks like this:

    import console_support

    class Scenarios(console_support.ConsoleRun):
        def search(self):
            self.open_browser()
            self.login("helpdesk")
            self.get("/console/users?q=alice")
            self.expect_text("alice")
            self.screenshot("search")

    if __name__ == "__main__":
        console_support.main("users", Scenarios, ["search"])

Each scenario runs in its own browser (open_browser), fails by raising; main() prints PASS/FAIL per scenario and ends
with 'N passed, N failed' (non-zero exit when anything failed). Screenshots go to --artifacts as
`console-<area>-NN-<name>.png`.

TOTP codes are single-use per 30-second step and operator, also across the test files (one server): fresh_totp()
records the steps it used in a file beside the server log and waits for the next step when needed.
"""
import argparse
import datetime
import fcntl
import glob
import json
import os
import re
import subprocess
import sys
import time
import traceback

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_web import new_chrome  # noqa: E402  (one way to start the browser for every browser test)

OPERATOR_LINE = re.compile(r"^operator (\S+): password=(\S+) totp=([A-Z2-7]+)\s*$")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def parse_operators(text):
    """The demo operators of a server log: {name: (password, base32 secret)}."""
    found = {}
    for line in text.splitlines():
        m = OPERATOR_LINE.match(line)
        if m:
            found[m.group(1)] = (m.group(2), m.group(3))
    return found


def load_catalogs():
    """The web and console strings per language: i18n/<lang>.json merged with every i18n/<part>/<lang>.json."""
    catalogs = {}
    base = os.path.join(ROOT, "Sources", "LifelineHTTP", "i18n")
    for lang in ("en", "cs", "nb"):
        merged = {}
        for path in [os.path.join(base, lang + ".json")] + sorted(glob.glob(os.path.join(base, "*", lang + ".json"))):
            with open(path, encoding="utf-8") as f:
                merged.update(json.load(f))
        catalogs[lang] = merged
    return catalogs


class ConsoleRun:
    """One test file's run: the server, its operators, a browser, screenshots, the catalogs."""

    def __init__(self, args, area):
        self.base = args.base_url.rstrip("/")
        self.out = args.artifacts
        self.area = area
        self.shot = 0
        os.makedirs(self.out, exist_ok=True)
        if not args.server_log:
            raise SystemExit("--server-log is required (the demo banner names the operators)")
        self.server_log = args.server_log
        with open(self.server_log, encoding="utf-8") as f:
            self.operators = parse_operators(f.read())
        if not self.operators:
            raise SystemExit("no 'operator NAME: password=… totp=…' line in %s" % self.server_log)
        self.steps_file = self.server_log + ".totp-steps.json"
        self.catalogs = load_catalogs()
        self.driver = None

    # --- browser -------------------------------------------------------------------------------------------------

    def open_browser(self, accept_language="en-GB,en", size="1280,900"):
        """A fresh browser (no cookies), desktop-sized (the console is a desk application)."""
        self.close_browser()
        self.driver = new_chrome(accept_language, size)
        return self.driver

    def close_browser(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - best effort
                pass
            self.driver = None

    def screenshot(self, name):
        self.shot += 1
        path = os.path.join(self.out, "console-%s-%02d-%s.png" % (self.area, self.shot, name))
        self.driver.save_screenshot(path)
        return path

    def get(self, path):
        self.driver.get(self.base + path)

    def path(self):
        """The current URL's path and query."""
        url = self.driver.current_url
        return url[len(self.base):] if url.startswith(self.base) else url

    def t(self, key, lang="en", **args):
        text = self.catalogs[lang][key]
        for k, v in args.items():
            text = text.replace("{%s}" % k, str(v))
        return text

    def body(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def safe_body(self):
        try:
            return self.body()
        except Exception:  # noqa: BLE001
            return "(no body)"

    def expect_text(self, text, what=""):
        WebDriverWait(self.driver, 10).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text,
                                             "text not shown%s: %r\n--- page ---\n%s" % (" (" + what + ")" if what else "", text, self.safe_body()))

    def expect_path(self, path):
        WebDriverWait(self.driver, 10).until(lambda d: self.path() == path, "expected %s, at %s" % (path, self.path()))

    def h1(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def no_csp_violations(self):
        """Nothing the page loads or runs is refused by the Content-Security-Policy."""
        try:
            logs = self.driver.get_log("browser")
        except Exception:  # noqa: BLE001 - a driver without logs
            return
        bad = [e["message"] for e in logs if "Content Security Policy" in e.get("message", "") or "Refused to" in e.get("message", "")]
        assert not bad, "CSP violations: %s" % bad

    def fill(self, name, value, form=None):
        scope = self.driver.find_element(By.ID, form) if form else self.driver
        field = scope.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def click(self, element):
        """Clicks a control that posts or navigates, and waits until the next document has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def replaced(_):
            try:
                old.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as e:
                if "does not belong to the document" in str(e):
                    return True
                raise

        WebDriverWait(self.driver, 15).until(replaced)

    def submit(self, form_id):
        """Submits the form with this id by its submit button."""
        form = self.driver.find_element(By.ID, form_id)
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    # --- operators -----------------------------------------------------------------------------------------------

    def secret(self, name):
        return self.operators[name][1]

    def password(self, name):
        return self.operators[name][0]

    def fresh_totp(self, name):
        """A code of a TOTP step no test of this server used yet for `name`, waiting for the next step if needed (the
        server accepts each step once). The used steps are kept in a file shared by all test files of the run."""
        with open(self.steps_file, "a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            text = f.read()
            steps = json.loads(text) if text.strip() else {}
            step = int(time.time() // 30)
            last = steps.get(name)
            if last is not None and step <= last:
                wait = (last + 1) * 30 - time.time() + 0.5
                print("  waiting %.0fs for a fresh authenticator step of %s" % (wait, name), flush=True)
                time.sleep(max(wait, 0))
                step = last + 1
            steps[name] = step
            f.seek(0)
            f.truncate()
            json.dump(steps, f)
        at = datetime.datetime.fromtimestamp(step * 30 + 1, datetime.timezone.utc)
        return subprocess.check_output(["oathtool", "--totp", "-b", self.secret(name), "--now", at.strftime("%Y-%m-%d %H:%M:%S UTC")],
                                       text=True).strip()

    def login(self, name, code=None, password=None, expect_ok=True):
        """Logs in as the demo operator `name` on /console/login (a fresh TOTP code unless `code` is given) and, with
        `expect_ok`, waits for the dashboard (or the page login was asked for)."""
        d = self.driver
        if "/console/login" not in d.current_url:
            self.get("/console/login")
        self.fill("name", name)
        self.fill("password", password if password is not None else self.password(name))
        self.fill("code", code if code is not None else self.fresh_totp(name))
        self.submit("login-form")
        if expect_ok:
            WebDriverWait(d, 10).until(lambda _: "/console/login" not in d.current_url,
                                       "login of %s refused:\n%s" % (name, self.safe_body()))

    def logout(self):
        self.click(self.driver.find_element(By.ID, "logout"))
        self.expect_path("/console/login")

    def reauth(self, name):
        """On /console/reauth: types a fresh code and returns to the page that asked."""
        self.fill("code", self.fresh_totp(name))
        self.submit("reauth-form")


def main(area, cls, scenarios):
    """Runs the named scenarios of `cls` (a ConsoleRun subclass); prints PASS/FAIL and 'N passed, N failed'."""
    p = argparse.ArgumentParser(description="console browser tests: " + area)
    p.add_argument("--base-url", required=True)
    p.add_argument("--artifacts", required=True, help="folder for the screenshots")
    p.add_argument("--server-log", required=True, help="the server's stdout (the demo banner with the operators)")
    p.add_argument("--mail", help="JSON lines of scripts/peers/smtp_capture.py")
    p.add_argument("--sms", help="JSON lines of scripts/peers/sms_receiver.py")
    p.add_argument("--only", help="comma-separated scenario names")
    args = p.parse_args()
    run = cls(args, area)
    run.args = args
    if args.only:
        wanted = args.only.split(",")
        scenarios = [s for s in scenarios if s in wanted]
    passed = failed = 0
    for name in scenarios:
        started = time.time()
        try:
            getattr(run, name)()
            passed += 1
            print("PASS console-%s %s (%.1fs)" % (area, name, time.time() - started), flush=True)
        except Exception:  # noqa: BLE001 - every scenario is reported
            failed += 1
            print("FAIL console-%s %s (%.1fs)\n%s" % (area, name, time.time() - started, traceback.format_exc()), flush=True)
            if run.driver is not None:
                try:
                    run.screenshot("FAILED-" + name)
                    print("  url: %s" % run.driver.current_url, flush=True)
                except Exception:  # noqa: BLE001
                    pass
        finally:
            run.close_browser()
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0
