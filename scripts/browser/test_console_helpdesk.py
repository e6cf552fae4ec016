#!/usr/bin/env python3
"""Browser tests of the console's helpdesk pages (issue 15; docs/console.md "Helpdesk") against `lifeline serve --demo`
(scripts/browser.sh). The demo tenant's `helpdesk:` settings are changed through the admin API with the admin key the
demo printed, and restored at the end of each scenario.

  actions        helpdesk on bob: a reason is required (server check); disable, enable, reset, lift the recovery pause,
                 each with a reason; bob is notified (the SMTP capture)
  caller         require_caller_verification [token_reset]: refused first; a code sent to bob's phone, read from the SMS
                 receiver, typed back: verified; the reset then works
  helpdesk_code  delivery show: issuing asks for re-authentication, then shows the code once; /validate accepts it
  four_eyes      four_eyes [token_disable]: helpdesk's request waits; helpdesk cannot approve its own (withdraw only);
                 admin approves after re-authenticating; the token is disabled
  auditor        an auditor (created and enrolled by admin) is refused the helpdesk and approvals pages
"""
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By

import console_support
from test_console_login import Scenarios as LoginScenarios

USER = "bob"
PHONE = "+420608555111"
EMAIL = "bob@demo.example"
PAGE = "/console/users/demo/%s/helpdesk" % USER


class Scenarios(LoginScenarios):
    """The helpdesk scenarios; the shell's test class (a ConsoleRun) lends its helpers, e.g. enrol() of a new operator."""

    # --- the admin API and the demo outbox ------------------------------------------------------------------------

    def key(self, kind):
        with open(self.server_log, encoding="utf-8") as f:
            m = re.findall(r"^\s*%s:\s+(ll_\S+)\s*$" % kind, f.read(), re.M)
        assert m, "no %s key in the server log" % kind
        return m[-1]

    def api(self, method, path, body=None, kind="admin"):
        req = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + self.key(kind), "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def settings(self, helpdesk):
        """Sets the demo tenant's `helpdesk:` section; returns the configuration before."""
        config = self.api("GET", "/api/v1/admin/tenants/demo/recovery")
        before = json.loads(json.dumps(config))
        config["helpdesk"] = helpdesk
        self.api("PUT", "/api/v1/admin/tenants/demo/recovery", config)
        return before

    def messages(self, kind, recipient):
        """The texts the SMS receiver (--sms) or the SMTP capture (--mail) got for `recipient` so far, oldest first."""
        texts = []
        path = self.args.sms if kind == "sms" else self.args.mail
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    if kind == "sms":
                        fields = dict(urllib.parse.parse_qsl(rec.get("body", "")))
                        if not fields and rec.get("body", "").startswith("{"):
                            fields = json.loads(rec["body"])
                        if fields.get("to") == recipient:
                            texts.append(fields.get("text", ""))
                    elif recipient in rec.get("rcpt_tos", []):
                        texts.append((rec.get("parsed") or {}).get("body") or "")
        return texts

    def new_messages(self, kind, recipient, seen, timeout=30):
        """The messages to `recipient` after the first `seen` ones, waiting until there is one."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            texts = self.messages(kind, recipient)[seen:]
            if texts:
                return texts
            time.sleep(0.3)
        raise AssertionError("no new %s message to %s within %ss" % (kind, recipient, timeout))

    # --- the page -------------------------------------------------------------------------------------------------

    def act(self, action, reason="INC-4711", token=True, extra=None):
        """Fills the reason (and `extra` fields) of the form for `action` on the page and submits it."""
        form = self.driver.find_element(By.CSS_SELECTOR, 'form[data-do="%s"]' % action)
        if reason is not None:
            field = form.find_element(By.NAME, "reason")
            field.clear()
            field.send_keys(reason)
        for name, value in (extra or {}).items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def token_state(self):
        return self.driver.find_element(By.CSS_SELECTOR, ".token .token-state").text

    def ensure_active(self):
        """Enables bob's token when an earlier scenario left it disabled (the scenarios share one server)."""
        if self.driver.find_elements(By.CSS_SELECTOR, 'form[data-do="token_enable"]'):
            self.act("token_enable", reason="test setup")
            self.expect_text(self.t("console.helpdesk_msg_done"))

    def actions(self):
        self.open_browser()
        self.login("helpdesk")
        self.get(PAGE)
        self.expect_text(self.t("console.helpdesk_tokens_heading"))
        self.ensure_active()
        self.screenshot("page")
        self.no_csp_violations()
        # The browser's own check (required, minlength) would stop an empty reason; the server's rule is what is tested.
        self.driver.execute_script("document.querySelectorAll('[required],[minlength]').forEach(e => {e.removeAttribute('required'); e.removeAttribute('minlength')})")
        self.act("token_disable", reason="x")
        self.expect_text(self.t("console.helpdesk_error_reason"))
        self.screenshot("reason-required")
        seen = len(self.messages("mail", EMAIL))
        self.get(PAGE)
        self.act("token_disable")
        self.expect_text(self.t("console.helpdesk_msg_done"))
        assert self.token_state() == self.t("console.helpdesk_state_disabled"), self.token_state()
        # bob reads Czech: "helpdesk na vašem účtu vypnul autentizátor".
        notices = self.new_messages("mail", EMAIL, seen)
        assert any("vypnul autentizátor" in n for n in notices), notices
        self.screenshot("disabled")
        self.act("token_enable")
        self.expect_text(self.t("console.helpdesk_msg_done"))
        assert self.token_state() == self.t("console.helpdesk_state_active"), self.token_state()
        self.act("token_reset")
        self.expect_text(self.t("console.helpdesk_msg_done"))
        self.act("budget_lift")
        self.expect_text(self.t("console.helpdesk_msg_done"))
        self.screenshot("done")

    def caller(self):
        before = self.settings({"require_caller_verification": ["token_reset"]})
        try:
            self.open_browser()
            self.login("helpdesk")
            self.get(PAGE)
            self.act("token_reset")
            self.expect_text(self.t("console.helpdesk_error_caller_required"))
            self.screenshot("caller-required")
            seen = len(self.messages("sms", PHONE))
            select = self.driver.find_element(By.ID, "caller-contact")
            select.find_element(By.XPATH, ".//option[contains(., '*** 11')]").click()
            self.submit("caller-send")
            self.expect_text(self.t("console.helpdesk_msg_caller_sent"))
            sms = self.new_messages("sms", PHONE, seen)
            code = re.search(r"\b(\d{6})\b", sms[-1]).group(1)
            self.screenshot("caller-sent")
            self.fill("code", code, form="caller-check")
            self.submit("caller-check")
            self.expect_text(self.t("console.helpdesk_msg_caller_verified"))
            self.screenshot("caller-verified")
            self.act("token_reset")
            self.expect_text(self.t("console.helpdesk_msg_done"))
        finally:
            self.api("PUT", "/api/v1/admin/tenants/demo/recovery", before)

    def helpdesk_code(self):
        self.open_browser()
        self.login("helpdesk")
        self.get(PAGE)
        self.act("helpdesk_code", extra={"uses": "1", "lifetime_minutes": "30"})
        if self.path().startswith("/console/reauth"):
            self.screenshot("code-reauth")
            self.reauth("helpdesk")
            self.expect_path(PAGE)
            self.act("helpdesk_code", extra={"uses": "1", "lifetime_minutes": "30"})
        code = self.driver.find_element(By.ID, "helpdesk-code-value").text
        assert re.fullmatch(r"\d{4} \d{4} \d{4}", code), code
        self.screenshot("code-shown")
        result = self.api("POST", "/api/v1/validate", {"tenant": "demo", "username": USER, "code": code}, kind="validate")
        assert result["result"] == "accept", result
        # Shown once: reloading the helpdesk page shows no code.
        self.get(PAGE)
        assert code not in self.body()

    def four_eyes(self):
        before = self.settings({"four_eyes": ["token_disable"]})
        try:
            self.open_browser()
            self.login("helpdesk")
            self.get(PAGE)
            self.ensure_active()
            self.act("token_disable", reason="CHG-2 four eyes")
            self.expect_text(self.t("console.helpdesk_msg_pending"))
            assert self.token_state() == self.t("console.helpdesk_state_active"), self.token_state()
            self.get("/console/approvals")
            row = self.driver.find_element(By.CSS_SELECTOR, "#pending tr[data-request]")
            assert not row.find_elements(By.XPATH, ".//button[contains(., '%s')]" % self.t("console.approvals_approve")), "own request approvable"
            assert self.t("console.approvals_withdraw") in row.text, row.text
            request_id = row.get_attribute("data-request")
            self.screenshot("approvals-requester")
            self.close_browser()

            self.open_browser()
            self.login("admin")
            self.get("/console/approvals")
            row = self.driver.find_element(By.CSS_SELECTOR, '#pending tr[data-request="%s"]' % request_id)
            self.screenshot("approvals-approver")
            self.click(row.find_element(By.XPATH, ".//button[contains(., '%s')]" % self.t("console.approvals_approve")))
            if self.path().startswith("/console/reauth"):
                self.reauth("admin")
                self.expect_path("/console/approvals")
                row = self.driver.find_element(By.CSS_SELECTOR, '#pending tr[data-request="%s"]' % request_id)
                self.click(row.find_element(By.XPATH, ".//button[contains(., '%s')]" % self.t("console.approvals_approve")))
            self.expect_text(self.t("console.approvals_msg_approved"))
            self.screenshot("approved")
            self.get(PAGE)
            assert self.token_state() == self.t("console.helpdesk_state_disabled"), self.token_state()
            self.act("token_enable")
            self.expect_text(self.t("console.helpdesk_msg_done"))
        finally:
            self.api("PUT", "/api/v1/admin/tenants/demo/recovery", before)

    def auditor(self):
        name = "hdaudit" + str(int(time.time()) % 100000)
        self.open_browser()
        self.login("admin")
        self.enrol(name, "auditor")
        self.close_browser()
        self.open_browser()
        self.login(name)
        for path in (PAGE, "/console/approvals"):
            self.get(path)
            assert self.h1() == self.t("console.shell_forbidden_title"), "%s: %s" % (path, self.h1())
        self.screenshot("auditor-refused")
        self.no_csp_violations()


if __name__ == "__main__":
    sys.exit(console_support.main("helpdesk", Scenarios, ["actions", "caller", "helpdesk_code", "four_eyes", "auditor"]))
