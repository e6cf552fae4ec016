#!/usr/bin/env python3
"""Browser tests of the useradmin console pages (issue 15) against `lifeline serve --demo` (scripts/browser.sh):

  useradmin_creates_user  admin creates a useradmin operator (re-authenticating), which enrols and logs in, creates a
                          user in the demo organization on /console/users/new and adds a verified email contact on
                          the user's edit page
  helpdesk_refused        helpdesk: the edit page and the new-user page answer the 403 page
"""
import sys
import time

from selenium.webdriver.common.by import By

import console_support


class Scenarios(console_support.ConsoleRun):
    def enrol_useradmin(self, name):
        """As admin (logged in): creates `name` as useradmin of the demo organization and enrols it in a fresh
        browser through its one-time link; its credentials join self.operators. Returns to the admin's browser."""
        admin = self.driver
        self.get("/console/operators")
        self.fill("name", name, form="create-operator")
        admin.find_element(By.CSS_SELECTOR, '#f-role option[value="useradmin"]').click()
        box = admin.find_element(By.ID, "t-demo")
        if not box.is_selected():
            box.click()
        self.submit("create-operator")
        if self.path().startswith("/console/reauth"):
            self.reauth("admin")
            self.expect_path("/console/operators")
            return self.enrol_useradmin(name)
        url = admin.find_element(By.ID, "enrolment-url").text
        # The link names the public URL (https unless configured); the test server is this plain-HTTP one.
        url = self.base + url[url.index("/console/enrol/"):]
        self.driver = None
        self.open_browser()
        self.driver.get(url)
        secret = self.driver.find_element(By.ID, "totp-secret").get_attribute("data-secret")
        password = "a passphrase for the useradmin pages"
        self.operators[name] = (password, secret)
        self.fill("password", password)
        self.fill("password2", password)
        self.fill("code", self.fresh_totp(name))
        self.submit("enrol-form")
        self.expect_text(self.t("console.shell_enrolled_text"))
        self.close_browser()
        self.driver = admin

    def useradmin_creates_user(self):
        run = str(int(time.time()))[-6:]
        name, user, mail = "ua" + run, "erin" + run, "erin%s@demo.example" % run
        self.open_browser()
        self.login("admin")
        self.enrol_useradmin(name)
        self.close_browser()
        self.open_browser()
        self.login(name)
        self.get("/console/users/new")
        assert self.h1() == self.t("console.useradmin_new_title"), self.h1()
        self.fill("username", user, form="new-user")
        self.fill("display_name", "Erin Test", form="new-user")
        self.screenshot("new-user")
        self.no_csp_violations()
        self.submit("new-user")
        self.expect_path("/console/users/demo/%s/edit?done=created" % user)
        self.expect_text(self.t("console.useradmin_done_created"))
        self.fill("value", mail, form="add-contact")
        box = self.driver.find_element(By.ID, "f-verified")
        if not box.is_selected():
            box.click()
        self.submit("add-contact")
        self.expect_path("/console/users/demo/%s/edit?done=contact_added" % user)
        self.expect_text(self.t("console.useradmin_done_contact_added"))
        row = self.driver.find_element(By.CSS_SELECTOR, 'tr[data-contact="%s"]' % mail).text
        assert self.t("console.useradmin_verified_yes") in row, row
        self.screenshot("contact-added")
        self.no_csp_violations()

    def helpdesk_refused(self):
        self.open_browser()
        self.login("helpdesk")
        for path in ("/console/users/demo/alice/edit", "/console/users/new"):
            self.get(path)
            self.expect_text(self.t("console.shell_forbidden_title"))
            assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("helpdesk-refused")
        self.no_csp_violations()


if __name__ == "__main__":
    console_support.main("users", Scenarios, ["useradmin_creates_user", "helpdesk_refused"])
