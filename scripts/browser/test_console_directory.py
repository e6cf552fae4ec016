#!/usr/bin/env python3
"""Browser tests of the console's directory page (docs/directory-users.md) against `lifeline serve --demo`
(scripts/browser.sh):

  directory_page   admin: /console/directory/demo shows that the demo tenant takes no users from a directory (its
                   directory is the built-in one), imports two CSV rows through the form (one refused, named by its line
                   number); helpdesk is refused the page with the 403 page
"""
import sys
import time

from selenium.webdriver.common.by import By

import console_support


class Scenarios(console_support.ConsoleRun):
    def directory_page(self):
        suffix = str(int(time.time()) % 100000)
        self.open_browser()
        self.login("admin")
        self.get("/console/directory/demo")
        assert self.h1().startswith(self.t("console.directory_title")), self.h1()
        self.expect_text(self.t("console.directory_not_configured"))
        self.expect_text(self.t("console.directory_never"))
        self.fill("csv", "username,email\nimported%s,imported%s@demo.example\nbroken%s,not-an-address\n" % (suffix, suffix, suffix))
        self.submit("directory-import")
        self.expect_text(self.t("console.directory_import_done", created="1", updated="0", unchanged="0", refused="1"))
        refused = self.driver.find_element(By.ID, "directory-refused").text
        assert refused.startswith(self.t("console.directory_refused_line", line="3", reason="")[:8]), refused
        self.screenshot("directory-import")
        self.no_csp_violations()
        self.close_browser()
        self.open_browser()
        self.login("helpdesk")
        self.get("/console/directory/demo")
        assert self.h1() == self.t("console.shell_forbidden_title"), self.h1()
        self.screenshot("directory-refused-helpdesk")
        self.close_browser()


if __name__ == "__main__":
    sys.exit(console_support.main("directory", Scenarios, ["directory_page"]))
