#!/usr/bin/env python3
"""Accessibility audit of the pages with axe-core (the copy that the PyPI package selenium-axe-python ships, axe-core
4.9; not axe-selenium-python, whose axe-core 3.1 flags autocomplete="one-time-code" by mistake), in headless
Chromium against the live demo server that scripts/browser.sh starts.

Recovery pages: start (en, cs, nb, and with an error), choose a method, choose a number (and after a wrong number),
enter the code, authenticator code, security questions, actions, the reset-password form, a result page (emergency
code), an error page (no flow), the 404 page. Console pages: CONSOLE_PAGES below, logged in with
scripts/browser/console_support.py — add a line there for a new console page.

Fails on any violation of impact "serious" or "critical"; writes every page's violations, by impact, to
<artifacts>/accessibility.json (and prints a summary). Ends with 'N passed, N failed' like test_web.py.
"""
import argparse
import json
import os
import re
import sys
import time
import traceback
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from selenium_axe_python import Axe  # noqa: E402

from test_web import EMAILS, PHONES, Run  # noqa: E402

FAIL_IMPACTS = ("serious", "critical")

# The console pages to audit, in order: (name, path, operator). `operator` is a demo operator (`serve --demo` prints
# `operator NAME: password=… totp=…`) to be logged in as, None for a page before login; a path with {enrol} is the
# enrolment page of a new operator made through the admin API. Add a line for each new console page.
CONSOLE_PAGES = [
    ("console-login", "/console/login", None),
    ("console-enrol", "{enrol}", None),
    ("console-not-found", "/console/no-such-page", None),
    ("console-dashboard", "/console", "helpdesk"),
    ("console-sessions", "/console/sessions", "helpdesk"),
    ("console-forbidden", "/console/operators", "helpdesk"),
    ("console-dashboard-admin", "/console", "admin"),
    ("console-operators", "/console/operators", "admin"),
    ("console-reauth", "/console/reauth?next=/console/operators", "admin"),
    ("console-search", "/console/users?q=ali", "helpdesk"),
    ("console-user-details", "/console/users/demo/alice", "helpdesk"),
    ("console-helpdesk", "/console/users/demo/alice/helpdesk", "helpdesk"),
    # kari's authenticator section (activated and blocked by test_console_authenticator.py before this audit runs).
    ("console-user-authenticator", "/console/users/demo/kari", "helpdesk"),
    ("console-approvals", "/console/approvals", "helpdesk"),
    ("console-audit", "/console/audit", "admin"),
    ("console-settings", "/console/settings/demo", "admin"),
    ("console-directory", "/console/directory/demo", "admin"),
    ("console-user-new", "/console/users/new", "admin"),
    ("console-user-edit", "/console/users/demo/alice/edit", "admin"),
    # Offline authentication (issue 17): the Agents page with its register form (the codes page needs re-authentication,
    # so test_console_offline.py checks it for CSP and screenshots it instead).
    ("console-agents", "/console/agents/demo", "admin"),
]


class Audit:
    """Runs axe on the current page of a Run's browser and keeps the results by page name."""

    def __init__(self, run, out):
        self.run = run
        self.out = out
        self.results = {}
        self.failures = []
        self.version = None

    def check(self, name):
        d = self.run.driver
        axe = Axe(d)
        # WebDriver scripts are not subject to the page's Content-Security-Policy, so axe can be injected as it is.
        axe.inject()
        self.version = d.execute_script("return axe.version")
        result = axe.run()
        by_impact = {}
        for v in result["violations"]:
            by_impact.setdefault(v.get("impact") or "unknown", []).append({
                "id": v["id"], "help": v["help"], "helpUrl": v["helpUrl"],
                "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]],
                "html": [n.get("html", "")[:200] for n in v["nodes"]],
            })
        self.results[name] = {
            "url": d.current_url, "lang": d.find_element(By.TAG_NAME, "html").get_attribute("lang"),
            "violations": by_impact, "counts": {k: len(v) for k, v in by_impact.items()},
            "passes": len(result["passes"]), "incomplete": len(result["incomplete"]),
        }
        bad = [(impact, v) for impact in FAIL_IMPACTS for v in by_impact.get(impact, [])]
        summary = ", ".join("%s %d" % (k, len(v)) for k, v in sorted(by_impact.items())) or "no violations"
        print("  axe %s: %s" % (name, summary), flush=True)
        for impact, v in bad:
            self.failures.append("%s: %s %s (%s) at %s" % (name, impact, v["id"], v["help"], v["targets"]))
        self.run.screenshot("axe-" + name)

    def write(self):
        path = os.path.join(self.out, "accessibility.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"axe_core": self.version, "fail_on": list(FAIL_IMPACTS), "pages": self.results}, f, indent=2, ensure_ascii=False)
        print("  axe results: %s" % path, flush=True)


def recovery_pages(run, audit):
    d = run.open_browser()
    t = run.t
    # The start page in each language, and with an error.
    for lang, header in (("en", "en-GB,en"), ("cs", "cs-CZ,cs"), ("nb", "nb-NO,nb")):
        d = run.open_browser(header)
        d.get(run.base + "/recover?tenant=demo")
        run.expect_lang(lang)
        audit.check("start-" + lang)
    d = run.open_browser()
    d.get(run.base + "/recover")
    run.fill("tenant", "no-such-organization")
    run.fill("username", "alice")
    run.submit()
    run.expect_text(t("web.error_tenant_unknown"))
    audit.check("start-error")
    # No flow in this browser: the "start again" page; an address nobody serves: the 404 page.
    d.get(run.base + "/recover/flow")
    run.expect_text(t("web.missing_title"))
    audit.check("error-no-flow")
    d.get(run.base + "/no/such/page")
    run.expect_text(t("web.notfound_title"))
    audit.check("not-found")

    # dave through sms-totp: choose a method, a number (and a wrong one), the code, the authenticator code. (Not alice:
    # test_web.py sends her so many codes that the per-user send limit is reached.)
    d.get(run.base + "/recover?tenant=demo")
    run.fill("username", "dave")
    run.submit()
    WebDriverWait(d, 10).until(EC.url_to_be(run.base + "/recover/flow"))
    audit.check("choose-flow")
    run.choose("flow", "sms-totp")
    run.submit()
    run.expect_text(t("prompt.choose_number"))
    audit.check("choose-number")
    run.choose("contact", "0")
    run.fill("number", "+420777000000")
    run.submit()
    run.expect_text(t("error.number_mismatch"))
    audit.check("choose-number-error")
    run.fill("number", PHONES["dave"])
    sent = len(run.messages("sms", PHONES["dave"]))
    run.submit()
    run.expect_text(t("prompt.enter_code"))
    audit.check("enter-code")
    run.fill("code", run.wait_for_code("sms", PHONES["dave"], after=sent))
    run.submit()
    run.expect_text(t("prompt.totp"))
    audit.check("totp")
    run.fill("code", run.fresh_totp("dave"))
    run.submit()
    run.expect_text(t("prompt.verified"))
    audit.check("actions")
    run.click(d.find_element(By.CSS_SELECTOR, 'a[data-action="reset-password"]'))
    run.expect_text(t("web.title_reset-password"))
    audit.check("reset-password-form")
    run.click(d.find_element(By.LINK_TEXT, t("web.back_to_actions")))
    run.click(run.action_button("emergency-code"))
    run.expect_text(t("web.title_code_result"))
    audit.check("result-emergency-code")

    # Security questions (email-questions, bob), in a fresh browser.
    d = run.open_browser()
    run.start("bob", "email-questions")
    run.submit()
    run.expect_text(t("prompt.choose_address"))
    run.choose("contact", "0")
    run.fill("address", EMAILS["bob"])
    sent = len(run.messages("email", EMAILS["bob"]))
    run.submit()
    run.expect_text(t("prompt.enter_code"))
    run.fill("code", run.wait_for_code("email", EMAILS["bob"], after=sent))
    run.submit()
    run.expect_text(t("prompt.questions"))
    audit.check("questions")


def admin_api(run, method, path, body=None):
    """A call to the admin API with the demo's admin key (printed by `serve --demo`)."""
    with open(run.server_log, encoding="utf-8", errors="replace") as f:
        m = re.search(r"^\s*admin:\s*(\S+)\s*$", f.read(), re.M)
    assert m, "no admin key in %s" % run.server_log
    req = urllib.request.Request(run.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + m.group(1), "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def console_pages(run, audit):
    try:
        import console_support  # noqa: PLC0415 - the console's browser helpers, present once the console exists
    except ImportError:
        print("  no console yet (scripts/browser/console_support.py): console pages skipped", flush=True)
        return
    console = console_support.ConsoleRun(run.args, "axe")
    logged_in = "nobody"
    for name, path, operator in CONSOLE_PAGES:
        if operator != logged_in:
            run.driver = console.open_browser()
            if operator is not None:
                console.login(operator)
            logged_in = operator
        if path == "{enrol}":
            created = admin_api(run, "POST", "/api/v1/admin/operators",
                                {"name": "axe%d" % (int(time.time()) % 100000), "role": "auditor", "tenants": ["demo"]})
            run.driver.get(created["enrolment_url"])
        else:
            run.driver.get(run.base + path)
        audit.check(name)
    console.close_browser()
    run.driver = None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--mail", required=True)
    p.add_argument("--sms", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--server-log")
    p.add_argument("--only", help="comma-separated: recovery_pages, console_pages")
    args = p.parse_args()
    run = Run(args)
    run.args = args
    audit = Audit(run, args.artifacts)
    parts = [("recovery_pages", recovery_pages), ("console_pages", console_pages)]
    if args.only:
        parts = [(n, f) for n, f in parts if n in args.only.split(",")]
    passed = failed = 0
    for name, part in parts:
        started = time.time()
        before = len(audit.failures)
        try:
            part(run, audit)
            if len(audit.failures) > before:
                raise AssertionError("serious or critical accessibility violations:\n  " + "\n  ".join(audit.failures[before:]))
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.time() - started), flush=True)
        except Exception:  # noqa: BLE001 - every part is reported
            failed += 1
            print("FAIL %s (%.1fs)\n%s" % (name, time.time() - started, traceback.format_exc()), flush=True)
            if run.driver is not None:
                try:
                    run.screenshot("FAILED-" + name)
                    print("  url: %s" % run.driver.current_url, flush=True)
                except Exception:  # noqa: BLE001
                    pass
        finally:
            run.close_browser()
    audit.write()
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
