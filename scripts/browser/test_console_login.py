#!/usr/bin/env python3
"""Browser tests of the console's shell (docs/console.md) against `lifeline serve --demo` (scripts/browser.sh):

  login_totp      helpdesk: /console sends to the login page; name, password and TOTP lead to the dashboard
  wrong_totp      helpdesk: a wrong code is refused with the one message for every failure, the fields kept
  session_expiry  admin in two browsers: the second ends the first's session; the first is sent to the login page
  csrf_refusal    helpdesk: a form posted without its CSRF cookie is refused with the friendly 403 page
  roles           admin creates an auditor and a useradmin (re-authenticating first), each enrols through its link
                  (password rules, the TOTP key shown as text and as a QR code that zbarimg decodes to the
                  otpauth URI) and logs in; auditor, helpdesk and useradmin are each
                  refused /console/operators with the 403 page; admin sees the list
  top_roles       admin (tenant-admin) is refused a forged request to make another tenant-admin; a superuser made
                  with `lifeline operator create root --role superuser` (scripts/browser.sh) enrols through the
                  printed link, sees the operators of every organization, and is refused disabling itself
"""
import os
import subprocess
import sys
import time

from selenium.webdriver.common.by import By

import console_support


class Scenarios(console_support.ConsoleRun):
    def login_totp(self):
        self.open_browser()
        self.get("/console")
        self.expect_path("/console/login?next=/console")
        self.expect_text(self.t("console.shell_login_intro"))
        self.screenshot("login")
        self.login("helpdesk")
        self.expect_path("/console")
        self.expect_text(self.t("console.shell_dashboard_welcome", name="helpdesk"))
        nav = self.driver.find_element(By.CSS_SELECTOR, "nav.console-nav").text
        assert self.t("console.shell_nav_sessions") in nav and self.t("console.shell_nav_operators") not in nav, nav
        self.screenshot("dashboard-helpdesk")
        self.no_csp_violations()
        self.logout()
        self.get("/console")
        self.expect_path("/console/login?next=/console")

    def wrong_totp(self):
        self.open_browser()
        self.get("/console/login")
        good = self.fresh_totp("helpdesk")
        wrong = good[:-1] + str((int(good[-1]) + 5) % 10)
        self.login("helpdesk", code=wrong, expect_ok=False)
        self.expect_text(self.t("console.shell_login_refused"))
        assert self.path().startswith("/console/login"), self.path()
        assert self.driver.find_element(By.NAME, "name").get_attribute("value") == "helpdesk"
        alert = self.driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
        assert self.t("console.shell_login_refused") in alert, alert
        self.screenshot("wrong-totp")
        # The right code afterwards works (one failure does not throttle).
        self.login("helpdesk")
        self.expect_path("/console")

    def session_expiry(self):
        first = self.open_browser()
        self.login("admin")
        self.get("/console/sessions")
        mine = first.find_element(By.CSS_SELECTOR, "tr.current").get_attribute("data-session")
        # A second browser (another desk) ends the first one's session from its list.
        self.driver = None
        self.open_browser()
        self.login("admin")
        self.get("/console/sessions")
        row = self.driver.find_element(By.CSS_SELECTOR, 'tr[data-session="%s"]' % mine)
        self.screenshot("sessions-two")
        self.click(row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.expect_path("/console/sessions")
        assert not self.driver.find_elements(By.CSS_SELECTOR, 'tr[data-session="%s"]' % mine)
        second = self.driver
        self.driver = first
        self.get("/console/sessions")
        self.expect_path("/console/login?next=/console/sessions")
        self.expect_text(self.t("console.shell_login_intro"))
        self.screenshot("session-ended")
        self.driver = second
        self.close_browser()
        self.driver = first

    def csrf_refusal(self):
        self.open_browser()
        self.login("helpdesk")
        self.get("/console/sessions")
        # The form still carries its token, but the browser lost the CSRF cookie (as if another site had made the post).
        for cookie in self.driver.get_cookies():
            if cookie["name"].endswith("lifeline_csrf"):
                self.driver.delete_cookie(cookie["name"])
        self.click(self.driver.find_element(By.ID, "logout"))
        self.expect_text(self.t("console.shell_csrf_title"))
        assert self.h1() == self.t("console.shell_csrf_title"), self.h1()
        self.screenshot("csrf-refused")
        self.no_csp_violations()
        # Nothing changed: still logged in.
        self.get("/console")
        self.expect_path("/console")

    def enrol(self, name, role):
        """As admin (logged in, on any page): creates `name` with `role` in the demo tenant, then enrols it in a fresh
        browser through the link; its credentials join self.operators."""
        admin = self.driver
        self.get("/console/operators")
        self.fill("name", name, form="create-operator")
        admin.find_element(By.CSS_SELECTOR, '#f-role option[value="%s"]' % role).click()
        box = admin.find_element(By.ID, "t-demo")
        if not box.is_selected():
            box.click()
        self.submit("create-operator")
        if self.path().startswith("/console/reauth"):
            self.screenshot("reauth")
            self.reauth("admin")
            self.expect_path("/console/operators")
            return self.enrol(name, role)
        url = admin.find_element(By.ID, "enrolment-url").text
        assert "/console/enrol/" in url, url
        self.screenshot("enrolment-link-" + role)
        self.driver = None
        self.open_browser()
        self.driver.get(url)
        secret = self.driver.find_element(By.ID, "totp-secret").get_attribute("data-secret")
        shown = self.driver.find_element(By.ID, "totp-secret").text.replace(" ", "")
        assert shown == secret, (shown, secret)
        self.screenshot("enrol-" + role)
        self.check_qr(secret)
        password = "a passphrase for the %s test" % role
        self.operators[name] = ("short", secret)
        self.fill("password", "short")
        self.fill("password2", "short")
        self.fill("code", self.fresh_totp(name))
        # The browser's own check (minlength) would stop the form; the server's rules are what is tested, so remove it.
        self.driver.execute_script("document.querySelectorAll('[minlength]').forEach(e => e.removeAttribute('minlength'))")
        self.submit("enrol-form")
        self.expect_text(self.t("password.too_short", min=15))
        self.screenshot("enrol-rules")
        self.operators[name] = (password, secret)
        self.fill("password", password)
        self.fill("password2", password)
        self.fill("code", self.fresh_totp(name))
        self.submit("enrol-form")
        self.expect_text(self.t("console.shell_enrolled_text"))
        self.close_browser()
        self.driver = admin

    def check_qr(self, secret):
        """The QR code the page draws decodes (zbarimg) to the otpauth URI of the key shown as text."""
        path = os.path.join(self.out, "console-%s-qr.png" % self.area)
        self.driver.find_element(By.CSS_SELECTOR, ".qr svg").screenshot(path)
        decoded = subprocess.check_output(["zbarimg", "--quiet", "--raw", path], text=True).strip()
        assert decoded.startswith("otpauth://totp/") and "secret=%s&" % secret in decoded, decoded

    def roles(self):
        suffix = str(int(time.time()) % 100000)
        self.open_browser()
        self.login("admin")
        self.get("/console/operators")
        assert self.h1() == self.t("console.shell_operators_title")
        self.expect_text("helpdesk")
        self.screenshot("operators-admin")
        for role in ("auditor", "useradmin"):
            self.enrol(role + suffix, role)
        self.close_browser()
        for name in ("helpdesk", "auditor" + suffix, "useradmin" + suffix):
            self.open_browser()
            self.login(name)
            self.get("/console/operators")
            assert self.h1() == self.t("console.shell_forbidden_title"), "%s: %s" % (name, self.h1())
            self.screenshot("operators-refused-" + name.rstrip("0123456789"))
            self.no_csp_violations()
            self.close_browser()

    def forge_post(self, action, fields=None):
        """Posts a form the page does not offer (a forged request), with the page's own CSRF token."""
        self.driver.execute_script("""
            var f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
            var fields = arguments[1];
            fields['csrf_token'] = document.querySelector('input[name=csrf_token]').value;
            for (var k in fields) { var i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = fields[k]; f.appendChild(i); }
            document.body.appendChild(f); f.submit();""", action, fields or {})
        time.sleep(0.5)

    def top_roles(self):
        suffix = str(int(time.time()) % 100000)
        # A tenant-admin manages lower roles only: the form offers none of its own rank, and a forged one is refused.
        self.open_browser()
        self.login("admin")
        self.get("/console/operators")
        offered = [o.get_attribute("value") for o in self.driver.find_elements(By.CSS_SELECTOR, "#f-role option")]
        assert "tenant-admin" not in offered and "superuser" not in offered, offered
        fields = {"name": "peer" + suffix, "role": "tenant-admin", "tenant_demo": "1"}
        self.forge_post("/console/operators", fields)
        if self.path().startswith("/console/reauth"):
            self.reauth("admin")
            self.expect_path("/console/operators")
            self.forge_post("/console/operators", fields)
        assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("tenant-admin-refused")
        self.close_browser()

        # The superuser of the CLI: enrols through the printed link, sees every operator, may not disable itself.
        url = os.environ.get("LIFELINE_BROWSER_ROOT_ENROL", "")
        assert "/console/enrol/" in url, "scripts/browser.sh sets LIFELINE_BROWSER_ROOT_ENROL (%r)" % url
        self.open_browser()
        self.get(url[url.index("/console/enrol/"):])
        secret = self.driver.find_element(By.ID, "totp-secret").get_attribute("data-secret")
        password = "a passphrase for the superuser test"
        self.operators["root"] = (password, secret)
        self.fill("password", password)
        self.fill("password2", password)
        self.fill("code", self.fresh_totp("root"))
        self.submit("enrol-form")
        self.expect_text(self.t("console.shell_enrolled_text"))
        self.close_browser()
        self.open_browser()
        self.login("root")
        self.get("/console/operators")
        assert self.h1() == self.t("console.shell_operators_title"), self.h1()
        self.expect_text("helpdesk")
        self.expect_text(self.t("console.shell_operators_all_tenants"))
        self.screenshot("operators-superuser")
        self.forge_post("/console/operators/root/disable")
        if self.path().startswith("/console/reauth"):
            self.reauth("root")
            self.get("/console/operators")
            self.forge_post("/console/operators/root/disable")
        assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("superuser-refused-self")
        self.close_browser()


if __name__ == "__main__":
    sys.exit(console_support.main("login", Scenarios, ["login_totp", "wrong_totp", "session_expiry", "csrf_refusal", "roles", "top_roles"]))
