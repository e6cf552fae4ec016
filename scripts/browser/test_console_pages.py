#!/usr/bin/env python3
"""Browser tests of the console's read pages (docs/console.md, "The read pages") against `lifeline serve --demo`
(scripts/browser.sh):

  search          helpdesk: /console/users?q= finds alice by name, email, phone with spaces and card serial; a one-letter
                  query is refused in the form; the result links to the details page
  details         helpdesk: alice's contacts with verified flags, tokens with their state, no events (no audit.read),
                  the helpdesk link shown and the edit link not
  dashboard       admin: the failed-flows chart is inline SVG (24 bars), no CSP violation
  audit           admin: filter by subject, the chain state, the CSV download (fetched with the session's cookies):
                  RFC 4180 header, only matching rows
  settings        admin: the configuration as YAML; Check with a broken key names its line; Check with a change shows
                  the diff; Apply with the TOTP code applies it (and a second Apply of the original restores it)
  refusals        helpdesk is refused /console/audit; an auditor (enrolled by admin) is refused /console/settings/demo
"""
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By

import console_support
from test_console_login import Scenarios as LoginScenarios


class Scenarios(LoginScenarios):
    def search(self):
        self.open_browser()
        self.login("helpdesk")
        for q in ("Novak", "ALICE@demo", "777 123", "demo-card"):
            self.get("/console/users?q=" + urllib.request.quote(q))
            rows = self.driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
            assert any("alice" in r.text for r in rows), (q, self.safe_body())
        self.screenshot("search")
        self.no_csp_violations()
        self.get("/console/users?q=a")
        self.expect_text(self.t("console.pages_search_invalid"))
        self.screenshot("search-invalid")
        self.get("/console/users?q=alice")
        self.click(self.driver.find_element(By.CSS_SELECTOR, "#results a"))
        self.expect_path("/console/users/demo/alice")

    def details(self):
        self.open_browser()
        self.login("helpdesk")
        self.get("/console/users/demo/alice")
        contacts = self.driver.find_element(By.ID, "contacts").text
        assert "alice@demo.example" in contacts and "+420777123789" in contacts, contacts
        assert self.t("console.pages_yes") in contacts, contacts
        tokens = self.driver.find_element(By.ID, "tokens").text
        assert "TOTP" in tokens, tokens
        assert not self.driver.find_elements(By.ID, "events"), "a helpdesk reads no audit events"
        assert self.driver.find_elements(By.ID, "helpdesk-link") and not self.driver.find_elements(By.ID, "edit-link")
        self.screenshot("details-helpdesk")
        self.no_csp_violations()

    def dashboard(self):
        self.open_browser()
        self.login("admin")
        self.get("/console")
        assert self.h1() == self.t("console.pages_dashboard_title"), self.h1()
        bars = self.driver.find_elements(By.CSS_SELECTOR, "#failed-flows svg rect")
        assert len(bars) == 24, len(bars)
        self.screenshot("dashboard")
        self.no_csp_violations()

    def audit(self):
        self.open_browser()
        self.login("admin")
        self.get("/console/audit")
        self.expect_text(self.t("console.pages_audit_title"))
        self.fill("subject", "alice", form="audit-filter")
        self.submit("audit-filter")
        assert "subject=alice" in self.path(), self.path()
        chain = self.driver.find_element(By.ID, "chain-state").text
        assert "intact" in chain, chain
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#audit-events tbody tr")
        assert rows and all("alice" in r.text for r in rows), [r.text for r in rows]
        self.screenshot("audit-filtered")
        self.no_csp_violations()
        href = self.driver.find_element(By.ID, "csv-link").get_attribute("href")
        cookies = "; ".join("%s=%s" % (c["name"], c["value"]) for c in self.driver.get_cookies())
        req = urllib.request.Request(href, headers={"Cookie": cookies})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/csv"), r.headers["Content-Type"]
            csv = r.read().decode("utf-8")
        lines = csv.split("\r\n")
        assert lines[0] == "time,tenant,chain,seq,actor,subject,event,outcome,reason,source", lines[0]
        assert len(lines) > 2 and all(",alice," in l for l in lines[1:] if l), lines[:5]

    def settings(self):
        self.open_browser()
        self.login("admin")
        self.get("/console/settings/demo")
        box = self.driver.find_element(By.ID, "f-yaml")
        original = box.get_attribute("value")
        assert "tenant: demo" in original, original[:200]
        self.screenshot("settings")
        broken = original.replace("recovery:", "recovery:\n  no_such_key: 1", 1)
        self.set_yaml(broken)
        self.click(self.driver.find_element(By.ID, "check"))
        errors = self.driver.find_element(By.ID, "errors").text
        assert "line" in errors and "no_such_key" in errors, errors
        self.screenshot("settings-invalid")
        changed = original.replace("recovery:", "recovery:\n  email_domain: changed.example", 1) if "email_domain:" not in original \
            else "\n".join(l if not l.strip().startswith("email_domain:") else l.split(":")[0] + ": changed.example" for l in original.split("\n"))
        self.set_yaml(changed)
        self.click(self.driver.find_element(By.ID, "check"))
        diff = self.driver.find_element(By.ID, "diff").text
        assert "changed.example" in diff, diff
        self.screenshot("settings-diff")
        self.no_csp_violations()
        if self.driver.find_elements(By.ID, "f-code"):
            self.fill("code", self.fresh_totp("admin"), form="settings-form")
        self.click(self.driver.find_element(By.ID, "apply"))
        self.expect_text(self.t("console.pages_settings_applied"))
        assert "changed.example" in self.driver.find_element(By.ID, "f-yaml").get_attribute("value")
        self.screenshot("settings-applied")
        # Put the demo's configuration back (other test files use it).
        self.set_yaml(original)
        self.click(self.driver.find_element(By.ID, "check"))
        if self.driver.find_elements(By.ID, "f-code"):
            self.fill("code", self.fresh_totp("admin"), form="settings-form")
        self.click(self.driver.find_element(By.ID, "apply"))
        self.expect_text(self.t("console.pages_settings_applied"))

    def set_yaml(self, text):
        box = self.driver.find_element(By.ID, "f-yaml")
        # send_keys of a long text types it key by key (slow, and the browser may auto-indent); set the value instead.
        self.driver.execute_script("arguments[0].value = arguments[1];", box, text)

    def refusals(self):
        self.open_browser()
        self.login("helpdesk")
        self.get("/console/audit")
        assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("audit-refused-helpdesk")
        self.close_browser()
        suffix = str(int(time.time()) % 100000)
        self.open_browser()
        self.login("admin")
        self.enrol("pagesauditor" + suffix, "auditor")
        self.close_browser()
        self.open_browser()
        self.login("pagesauditor" + suffix)
        self.get("/console/audit")
        assert self.h1() == self.t("console.pages_audit_title"), self.h1()
        self.get("/console/settings/demo")
        assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("settings-refused-auditor")
        self.no_csp_violations()


if __name__ == "__main__":
    sys.exit(console_support.main("pages", Scenarios, ["search", "details", "dashboard", "audit", "settings", "refusals"]))
