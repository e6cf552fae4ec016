#!/usr/bin/env python3
"""Browser tests of the console's offline pages (issue 17; docs/console.md "Offline authentication") against
`lifeline serve --demo` (scripts/browser.sh).

  agents        admin: Agents in the menu; Register agent (re-authentication) shows the key once (ll_…, no-store: not
                on the list afterwards); the agent is listed, active; Revoke → the confirmation page → revoked
  codes         helpdesk on the demo user bob: the token's "Manage emergency access tokencodes" (re-authentication);
                tick "Reset offline emergency access tokencode" when no code exists yet, Save; read the offline
                emergency passcode; tick "Use offline code for online access", Save → /api/v1/validate accepts the
                passcode; tick reset, Save → the code changes and the old one is refused
"""
import json
import re
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By

import console_support
from test_console_login import Scenarios as LoginScenarios

TENANT = "demo"
USER = "bob"
AGENT = "browser-laptop-%d" % (int(time.time()) % 100000)


class Scenarios(LoginScenarios):
    """The offline scenarios; the login tests' class lends its helpers (login, reauth)."""

    def key(self, name):
        """The demo's API key `name` (`validate` or `admin`), printed by `serve --demo`."""
        with open(self.server_log, encoding="utf-8", errors="replace") as f:
            m = re.findall(r"^\s*%s:\s*(ll_\S+)\s*$" % name, f.read(), re.M)
        assert m, "no %s key in %s" % (name, self.server_log)
        return m[-1]

    def api(self, method, path, body=None, key="admin"):
        req = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + self.key(key), "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "{}")

    def validate(self, code):
        return self.api("POST", "/api/v1/validate", {"tenant": TENANT, "username": USER, "code": code}, key="validate")["result"]

    def with_reauth(self, name, action):
        """Runs `action` (which ends in a GET or a submit); re-authenticates when the console asks, and runs it again."""
        for _ in range(2):
            action()
            if not self.path().startswith("/console/reauth"):
                return
            self.reauth(name)
        raise AssertionError("still asked to re-authenticate: " + self.path())

    # --- agents ----------------------------------------------------------------------------------------------------

    def agents(self):
        self.open_browser()
        self.login("admin")
        self.get("/console")
        link = self.driver.find_element(By.CSS_SELECTOR, 'nav a[href="/console/agents"]')
        self.click(link)
        if self.path() != "/console/agents/%s" % TENANT:
            self.click(self.driver.find_element(By.CSS_SELECTOR, '#tenants a[href="/console/agents/%s"]' % TENANT))
        self.expect_path("/console/agents/%s" % TENANT)
        self.no_csp_violations()

        def register():
            self.get("/console/agents/%s" % TENANT)
            self.fill("name", AGENT, form="agent-register")
            self.submit("agent-register")
        self.with_reauth("admin", register)
        key = self.driver.find_element(By.ID, "agent-key").text.strip()
        assert re.fullmatch(r"ll_[A-Za-z0-9]+_[A-Za-z0-9]+", key), key
        self.expect_text(self.t("console.offline_agent_key_once"))
        self.screenshot("agent-key")
        self.get("/console/agents/%s" % TENANT)
        assert key not in self.driver.page_source
        row = self.driver.find_element(By.XPATH, '//table[@id="agents"]//tr[td[1][normalize-space()="%s"]]' % AGENT)
        assert self.t("console.offline_agent_live") in row.text, row.text
        self.screenshot("agents")
        self.click(row.find_element(By.CSS_SELECTOR, "a.agent-revoke"))
        self.expect_text(self.t("console.offline_agent_revoke_confirm"))
        self.screenshot("revoke-confirm")
        self.submit("agent-revoke-confirm")
        self.expect_text(self.t("console.offline_agent_msg_revoked"))
        row = self.driver.find_element(By.XPATH, '//table[@id="agents"]//tr[td[1][normalize-space()="%s"]]' % AGENT)
        assert self.t("console.offline_agent_revoked") in row.text, row.text
        self.no_csp_violations()

    # --- emergency access tokencodes -------------------------------------------------------------------------------

    def codes_page(self):
        """Opens bob's first token's "Manage emergency access tokencodes" from the user page (re-authenticating)."""
        def open_page():
            self.get("/console/users/%s/%s" % (TENANT, USER))
            self.click(self.driver.find_element(By.CSS_SELECTOR, "#tokens a.offline-codes-link"))
        self.with_reauth("helpdesk", open_page)
        assert "/offline-codes" in self.path(), self.path()
        return self.path().split("?")[0]

    def save(self, reset=None, online=None):
        for box, want in (("offline-reset", reset), ("offline-online", online)):
            if want is None:
                continue
            element = self.driver.find_element(By.ID, box)
            if element.is_selected() != want:
                element.click()  # a checkbox: no navigation to wait for (console_support's click waits for one)
        self.submit("offline-codes-form")
        self.expect_text(self.t("console.offline_codes_saved"))

    def passcode(self):
        return self.driver.find_element(By.ID, "offline-passcode").text.strip()

    def codes(self):
        self.open_browser()
        self.login("helpdesk")
        self.codes_page()
        self.expect_text(self.t("console.offline_codes_title"))
        self.no_csp_violations()
        if not re.search(r"[A-Z0-9]{4}-", self.passcode()):
            # No code yet (none downloaded): a reset makes them.
            self.save(reset=True, online=False)
        before = self.passcode()
        assert re.search(r"[A-Z0-9]{4}-", before), before
        self.screenshot("codes")
        self.save(online=True)
        assert self.driver.find_element(By.ID, "offline-online").is_selected()
        assert self.validate(before) == "accept", "validate refused the offline emergency passcode with online use on"
        self.screenshot("online-on")
        self.save(reset=True)
        after = self.passcode()
        assert after != before and re.search(r"[A-Z0-9]{4}-", after), (before, after)
        assert self.validate(before) == "reject", "the old code still works after the reset"
        # Leave the demo as it was: online use off.
        self.save(online=False)
        self.no_csp_violations()


if __name__ == "__main__":
    sys.exit(console_support.main("offline", Scenarios, ["agents", "codes"]))
