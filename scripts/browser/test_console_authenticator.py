#!/usr/bin/env python3
"""Browser tests of the console's Lifeline Authenticator section (issue 16; docs/console.md "Lifeline Authenticator")
against `lifeline serve --demo` (scripts/browser.sh), on the demo user kari (whom no other browser test changes).

  activation    helpdesk on kari's details page: New activation asks for re-authentication, then shows the
                lifeline://activate URI once (no-store) and its QR code, which zbarimg decodes to the same URI; the
                reference app (lifeline-authenticator) activates with it; the section lists the device, active
  block_ubc     Block PIN (with a ticket) → the state is shown blocked: the red class AND the words, not colour alone;
                Display UBC (re-authentication) → an 8-digit UBC shown once; the page then says a UBC is active

The reference app is `.build/debug/lifeline-authenticator` (LIFELINE_AUTHENTICATOR_BIN), built by scripts/browser.sh.
"""
import os
import re
import subprocess
import sys
import tempfile

from selenium.webdriver.common.by import By

import console_support
from test_console_login import Scenarios as LoginScenarios

USER = "kari"
PAGE = "/console/users/demo/%s" % USER
APP = os.environ.get("LIFELINE_AUTHENTICATOR_BIN",
                     os.path.join(console_support.ROOT, ".build", "debug", "lifeline-authenticator"))
PIN = "4827"


class Scenarios(LoginScenarios):
    """The authenticator scenarios; the login tests' class lends its helpers (login, reauth)."""

    state_file = os.path.join(tempfile.mkdtemp(prefix="lifeline-authenticator-"), "state.json")

    def act(self, action, reason="INC-1616"):
        """Fills the reason of the section's form for `action` (when it has one) and submits it; re-authenticates
        when the console asks, and submits again (the form is not kept across the re-authentication)."""
        for _ in range(2):
            self.get(PAGE)
            form = self.driver.find_element(By.CSS_SELECTOR, '#authenticator form[data-do="%s"]' % action)
            if reason is not None and form.find_elements(By.NAME, "reason"):
                field = form.find_element(By.NAME, "reason")
                field.clear()
                field.send_keys(reason)
            self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            if not self.path().startswith("/console/reauth"):
                return
            self.reauth("helpdesk")
        raise AssertionError("still asked to re-authenticate: " + self.path())

    def state(self):
        return self.driver.find_element(By.ID, "authenticator-state")

    def show_section(self):
        """Scrolls the section into view for the screenshots."""
        self.driver.execute_script("document.getElementById('authenticator').scrollIntoView()")

    def ensure_activated(self):
        """kari's app, activated through the console's New activation and the reference app (once per run)."""
        self.get(PAGE)
        if self.driver.find_elements(By.CSS_SELECTOR, "#authenticator-devices tbody tr") and os.path.exists(self.state_file):
            return
        self.act("activation", reason=None)
        uri = self.driver.find_element(By.ID, "activation-uri").text.strip()
        assert uri.startswith("lifeline://activate?") and "user=%s" % USER in uri, uri
        path = os.path.join(self.out, "console-%s-activation-qr.png" % self.area)
        self.driver.find_element(By.CSS_SELECTOR, "#activation-qr svg").screenshot(path)
        decoded = subprocess.check_output(["zbarimg", "--quiet", "--raw", path], text=True).strip()
        assert decoded == uri, (decoded, uri)
        self.screenshot("activation")
        out = subprocess.run([APP, "activate", uri, "--state", self.state_file, "--pin-stdin"], input=PIN + "\n",
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        # Shown once: the page is not cached, and the details page does not show the URI.
        self.get(PAGE)
        assert uri not in self.driver.page_source

    def activation(self):
        self.open_browser()
        self.login("helpdesk")
        self.get(PAGE)
        self.expect_text(self.t("console.authenticator_heading"))
        self.no_csp_violations()
        self.ensure_activated()
        self.get(PAGE)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#authenticator-devices tbody tr")
        assert rows, self.safe_body()
        assert self.t("console.authenticator_device_active") in rows[0].text, rows[0].text
        self.show_section()
        self.screenshot("activated")

    def block_ubc(self):
        self.open_browser()
        self.login("helpdesk")
        self.ensure_activated()
        self.act("pin_block")
        self.expect_text(self.t("console.authenticator_msg_blocked"))
        state = self.state()
        # Red AND words: the class carries the colour, the text says it for everyone.
        assert "state-blocked" in state.get_attribute("class").split(), state.get_attribute("outerHTML")
        assert state.get_attribute("data-blocked") == "true"
        assert "BLOCKED" in state.text, state.text
        colour = state.value_of_css_property("color")
        assert colour.startswith("rgba(176, 0, 32") or colour.startswith("rgb(176, 0, 32"), colour
        # The summary at the top says it too (seed 002: "a red icon in the summary").
        summary = self.driver.find_element(By.ID, "authenticator-summary-state")
        assert "state-blocked" in summary.get_attribute("class").split() and "BLOCKED" in summary.text, summary.text
        self.show_section()
        self.screenshot("blocked")
        self.act("ubc_display")
        value = self.driver.find_element(By.ID, "ubc-value").text.strip()
        assert re.fullmatch(r"[0-9]{8}", value), value
        self.expect_text(self.t("console.authenticator_once"))
        self.screenshot("ubc")
        self.get(PAGE)
        assert value not in self.driver.page_source
        ubc = self.driver.find_element(By.ID, "authenticator-ubc").text
        assert ubc.startswith(self.t("console.authenticator_ubc_active").split("{")[0].strip()), ubc
        self.show_section()
        self.screenshot("ubc-active")
        self.no_csp_violations()


if __name__ == "__main__":
    sys.exit(console_support.main("authenticator", Scenarios, ["activation", "block_ubc"]))
