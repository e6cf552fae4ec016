#!/usr/bin/env python3
"""Browser tests of the self-service web app: a real headless Chromium (Selenium + chromedriver) against a live
`lifeline serve --demo`, with codes read from the SMTP capture and the SMS receiver (scripts/browser.sh starts
them all). Saves a screenshot of every page to --artifacts as NN-name.png.

Scenarios (demo tenant `demo`):
  sms_totp         alice: text message, then authenticator app; actions page; "not available yet"; self-service
  email_questions  alice: email code, then her security questions
  totp_resync      bob: an authenticator 5 steps ahead, then two consecutive codes
  wrong_code       kari: a wrong SMS code, the error announced; the JavaScript countdown, then "send again"
  language_switch  Czech then Norwegian from the menu, kept in a cookie across pages and into the flow
  error_pages      no flow in this browser, an unknown organization, a form without its CSRF cookie (in Czech)

Ends with the line 'N passed, N failed'; exits non-zero when anything failed.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SECRETS = {
    "alice": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "bob": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "kari": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
}
PHONES = {"alice": "+420777123789", "bob": "+420608555111", "kari": "+4791234567"}
EMAILS = {"alice": "alice@demo.example", "bob": "bob@demo.example", "kari": "kari@demo.example"}
ANSWERS = {"alice": {"pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"}}
SELFSERVICE = "https://example.com/selfservice"


class Run:
    def __init__(self, args):
        self.base = args.base_url.rstrip("/")
        self.mail = args.mail
        self.sms = args.sms
        self.out = args.artifacts
        self.shot = 0
        os.makedirs(self.out, exist_ok=True)
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "LifelineHTTP", "i18n", "en.json"), encoding="utf-8") as f:
            self.en = json.load(f)
        self.catalogs = {"en": self.en}
        for lang in ("cs", "nb"):
            with open(os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "LifelineHTTP", "i18n", lang + ".json"), encoding="utf-8") as f:
                self.catalogs[lang] = json.load(f)
        self.driver = None

    # --- browser -----------------------------------------------------------------------------------------------

    def open_browser(self, accept_language="en-GB,en"):
        """A fresh browser (no cookies), sized like a phone."""
        self.close_browser()
        opts = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=412,915"):
            opts.add_argument(flag)
        opts.add_argument("--lang=" + accept_language.split(",")[0])
        opts.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        binary = os.environ.get("CHROMIUM_BIN") or "/usr/bin/chromium"
        if os.path.exists(binary):
            opts.binary_location = binary
        driver_path = os.environ.get("CHROMEDRIVER_BIN") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(service=Service(driver_path), options=opts)
        self.driver.set_page_load_timeout(30)
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
        path = os.path.join(self.out, "%02d-%s.png" % (self.shot, name))
        self.driver.save_screenshot(path)
        return path

    def t(self, key, lang="en", **args):
        text = self.catalogs[lang][key]
        for k, v in args.items():
            text = text.replace("{%s}" % k, str(v))
        return text

    def body(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def expect_text(self, text, what=""):
        WebDriverWait(self.driver, 10).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text,
                                             "text not shown%s: %r\n--- page ---\n%s" % (" (" + what + ")" if what else "", text, self.safe_body()))

    def safe_body(self):
        try:
            return self.body()
        except Exception:  # noqa: BLE001
            return "(no body)"

    def expect_lang(self, lang):
        got = self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert got == lang, "html lang is %r, expected %r" % (got, lang)

    def no_csp_violations(self):
        """Nothing the page loads or runs is refused by the Content-Security-Policy."""
        try:
            logs = self.driver.get_log("browser")
        except Exception:  # noqa: BLE001 - a driver without logs
            return
        bad = [e["message"] for e in logs if "Content Security Policy" in e.get("message", "") or "Refused to" in e.get("message", "")]
        assert not bad, "CSP violations: %s" % bad

    def fill(self, name, value):
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def choose(self, name, value):
        # Clicking the label, as a person would (the radio is labelled).
        radio = self.driver.find_element(By.CSS_SELECTOR, 'input[type="radio"][name="%s"][value="%s"]' % (name, value))
        self.driver.find_element(By.CSS_SELECTOR, 'label[for="%s"]' % radio.get_attribute("id")).click()
        assert radio.is_selected()

    def submit(self):
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))

    def click(self, element):
        """Clicks a control that posts or navigates, and waits until the next document has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(self.driver, 15).until(EC.staleness_of(old))

    def start(self, username, flow):
        d = self.driver
        d.get(self.base + "/recover?tenant=demo")
        self.fill("username", username)
        self.submit()
        WebDriverWait(d, 10).until(EC.url_to_be(self.base + "/recover/flow"))
        self.choose("flow", flow)

    # --- codes -------------------------------------------------------------------------------------------------

    def messages(self, kind, recipient):
        """The texts captured so far for `recipient` by the SMS receiver or the SMTP capture, oldest first."""
        texts = []
        path = self.sms if kind == "sms" else self.mail
        if os.path.exists(path):
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

    def wait_for_code(self, kind, recipient, after, timeout=30):
        """The code of the first message to `recipient` after the first `after` ones (count them before the step
        that sends it: other messages, such as "you were verified" notices, go to the same addresses)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for text in self.messages(kind, recipient)[after:]:
                m = re.search(r"\b(\d{6,8})\b", text)
                if m:
                    return m.group(1)
            time.sleep(0.3)
        raise AssertionError("no %s code to %s within %ss" % (kind, recipient, timeout))

    @staticmethod
    def totp(user, steps_ahead=0):
        cmd = ["oathtool", "--totp", "-b", SECRETS[user]]
        if steps_ahead:
            at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30 * steps_ahead)
            cmd += ["--now", at.strftime("%Y-%m-%d %H:%M:%S UTC")]
        return subprocess.check_output(cmd, text=True).strip()

    # --- scenarios ---------------------------------------------------------------------------------------------

    def sms_totp(self):
        d = self.open_browser()
        d.set_window_size(1280, 900)
        d.get(self.base + "/")
        assert d.current_url == self.base + "/recover", d.current_url
        d.get(self.base + "/recover?tenant=demo")
        self.expect_lang("en")
        self.expect_text(self.t("web.start_title"))
        # The focus starts in the username field (the organization is given in the link).
        assert d.switch_to.active_element.get_attribute("name") == "username"
        self.screenshot("start-desktop")
        d.set_window_size(412, 915)
        self.screenshot("start")
        self.fill("username", "alice")
        self.submit()
        self.expect_text(self.t("prompt.choose_flow"))
        assert "/recover/flow" == urllib.parse.urlsplit(d.current_url).path
        self.screenshot("choose-flow")
        self.choose("flow", "sms-totp")
        self.submit()
        self.expect_text(self.t("prompt.choose_number"))
        self.expect_text("+420 *** *** 789")
        self.screenshot("choose-number")
        self.choose("contact", "0")
        self.fill("number", PHONES["alice"])
        sent = len(self.messages("sms", PHONES["alice"]))
        self.submit()
        self.expect_text(self.t("prompt.enter_code"))
        button = d.find_element(By.ID, "resend")
        assert not button.is_enabled(), "send again must wait"
        self.screenshot("enter-code")
        code = self.wait_for_code("sms", PHONES["alice"], after=sent)
        field = d.find_element(By.NAME, "code")
        assert field.get_attribute("inputmode") == "numeric" and field.get_attribute("autocomplete") == "one-time-code"
        field.send_keys(code)
        self.submit()
        self.expect_text(self.t("prompt.totp"))
        self.expect_text(self.t("web.step", index=2, count=2))
        self.screenshot("enter-totp")
        self.fill("code", self.totp("alice"))
        self.submit()
        self.expect_text(self.t("prompt.verified"))
        # Every enrolled contact is told about the verification (the code message plus the notice).
        deadline = time.time() + 20
        while len(self.messages("sms", PHONES["alice"])) < sent + 2 and time.time() < deadline:
            time.sleep(0.3)
        assert len(self.messages("sms", PHONES["alice"])) >= sent + 2, "no verification notice by SMS"
        for action in ("reset-password", "unlock-account", "card-unblock", "emergency-code", "selfservice"):
            self.expect_text(self.t("action." + action))
        self.screenshot("actions")
        self.click(d.find_element(By.CSS_SELECTOR, 'button[data-action="reset-password"]'))
        self.expect_text(self.t("web.unavailable_title"))
        self.screenshot("not-available")
        self.click(d.find_element(By.LINK_TEXT, self.t("web.back")))
        self.expect_text(self.t("prompt.verified"))
        self.no_csp_violations()
        # Self-service: the post is redirected to the tenant's site (the CSP lets this one form follow it).
        d.find_element(By.CSS_SELECTOR, 'button[data-action="selfservice"]').click()
        WebDriverWait(d, 15).until(lambda drv: drv.current_url.startswith("https://example.com") or "chrome-error" in drv.current_url
                                   or self.redirect_attempted())
        assert self.redirect_attempted() or d.current_url.startswith("https://example.com"), d.current_url
        print("  self-service redirect followed to: %s" % d.current_url, flush=True)
        self.screenshot("selfservice-redirect")
        d.back()
        d.get(self.base + "/recover/flow")
        self.expect_text(self.t("web.action_used"))

    def redirect_attempted(self):
        """Whether the browser tried to load the self-service URL (the test machine may have no network)."""
        if self.driver.current_url.startswith(SELFSERVICE):
            return True
        try:
            entries = self.driver.execute_script("return performance.getEntriesByType('navigation').map(e => e.name)")
        except Exception:  # noqa: BLE001 - an error page runs no script
            return "chrome-error" in self.driver.current_url
        return any(e.startswith(SELFSERVICE) for e in entries or [])

    def email_questions(self):
        d = self.open_browser()
        self.start("alice", "email-questions")
        self.submit()
        self.expect_text(self.t("prompt.choose_address"))
        self.screenshot("choose-address")
        self.choose("contact", "0")
        self.fill("address", EMAILS["alice"])
        sent = len(self.messages("email", EMAILS["alice"]))
        self.submit()
        self.expect_text(self.t("prompt.enter_code"))
        code = self.wait_for_code("email", EMAILS["alice"], after=sent)
        assert len(code) == 8, code
        self.fill("code", code)
        self.submit()
        self.expect_text(self.t("prompt.questions"))
        self.screenshot("questions")
        names = [e.get_attribute("name") for e in d.find_elements(By.CSS_SELECTOR, 'input[name^="answer."]')]
        assert len(names) == 2, names
        for name in names:
            self.fill(name, ANSWERS["alice"][name.split(".", 1)[1]])
        self.submit()
        self.expect_text(self.t("prompt.verified"))
        self.expect_text(self.t("action.unlock-account"))
        self.screenshot("verified-email-questions")
        self.no_csp_violations()

    def totp_resync(self):
        d = self.open_browser()
        self.start("bob", "sms-totp")
        self.submit()
        self.choose("contact", "0")
        self.fill("number", PHONES["bob"])
        sent = len(self.messages("sms", PHONES["bob"]))
        self.submit()
        self.expect_text(self.t("prompt.enter_code"))
        self.fill("code", self.wait_for_code("sms", PHONES["bob"], after=sent))
        self.submit()
        self.expect_text(self.t("prompt.totp"))
        # An authenticator whose clock runs 5 steps (2.5 min) ahead: outside the window, inside the sync range.
        self.fill("code", self.totp("bob", 5))
        self.submit()
        self.expect_text(self.t("prompt.totp_resync"))
        self.expect_text(self.t("field.totp_code_first"))
        self.screenshot("totp-resync")
        self.fill("code", self.totp("bob", 6))
        self.fill("code_next", self.totp("bob", 7))
        self.submit()
        self.expect_text(self.t("prompt.verified"))
        self.no_csp_violations()
        d.get(self.base + "/recover/flow")

    def wrong_code(self):
        d = self.open_browser()
        self.start("kari", "sms-totp")
        self.submit()
        self.choose("contact", "0")
        self.fill("number", PHONES["kari"])
        sent = len(self.messages("sms", PHONES["kari"]))
        self.submit()
        self.expect_text(self.t("prompt.enter_code"))
        code = self.wait_for_code("sms", PHONES["kari"], after=sent)
        wrong = "000000" if code != "000000" else "111111"
        self.fill("code", wrong)
        self.submit()
        self.expect_text(self.t("error.code_wrong"))
        alert = d.find_element(By.CSS_SELECTOR, '[role="alert"]')
        assert self.t("error.code_wrong") in alert.text
        assert d.find_element(By.NAME, "code").get_attribute("aria-describedby") == "errors"
        assert d.switch_to.active_element.get_attribute("name") == "code", "the focus is on the field to correct"
        self.screenshot("wrong-code")
        # The JavaScript countdown runs, then enables "send again" (the server's delay is 60 s).
        status = d.find_element(By.ID, "resend-status")
        first = status.text
        time.sleep(2.2)
        assert status.text != first, "the countdown did not move: %r" % first
        WebDriverWait(d, 75).until(lambda drv: drv.find_element(By.ID, "resend").is_enabled())
        self.expect_text(self.t("web.resend_ready"))
        self.screenshot("resend-ready")
        sent = len(self.messages("sms", PHONES["kari"]))
        self.click(d.find_element(By.ID, "resend"))
        self.expect_text(self.t("prompt.enter_code"))
        new_code = self.wait_for_code("sms", PHONES["kari"], after=sent)
        self.fill("code", new_code)
        self.submit()
        self.expect_text(self.t("prompt.totp"))
        self.no_csp_violations()

    def language_switch(self):
        d = self.open_browser(accept_language="en-US,en")
        d.get(self.base + "/recover?tenant=demo")
        self.expect_lang("en")
        self.click(d.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="cs"]'))
        self.expect_text(self.t("web.start_title", "cs"))
        self.expect_lang("cs")
        assert urllib.parse.urlsplit(d.current_url).query == "tenant=demo", d.current_url
        cookie = d.get_cookie("lifeline_lang")
        assert cookie and cookie["value"] == "cs" and cookie["httpOnly"], cookie
        self.screenshot("start-cs")
        # The choice is kept across pages and into the flow (the core's prompts are Czech too).
        d.get(self.base + "/recover?tenant=demo")
        self.expect_lang("cs")
        self.fill("username", "kari")
        self.submit()
        self.expect_text(self.t("prompt.choose_flow", "cs"))
        self.expect_text("SMS a ověřovací aplikace")
        self.screenshot("choose-flow-cs")
        self.click(d.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="nb"]'))
        self.expect_text(self.t("prompt.choose_flow", "nb"))
        self.expect_lang("nb")
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/flow"
        self.choose("flow", "email-questions")
        self.submit()
        self.expect_text(self.t("prompt.choose_address", "nb"))
        self.screenshot("choose-address-nb")
        assert d.get_cookie("lifeline_lang")["value"] == "nb"
        self.no_csp_violations()

    def error_pages(self):
        d = self.open_browser(accept_language="cs-CZ,cs")
        d.get(self.base + "/recover/flow")
        self.expect_text(self.t("web.missing_title", "cs"))
        self.screenshot("no-flow-cs")
        self.click(d.find_element(By.LINK_TEXT, self.t("web.restart", "cs")))
        self.expect_text(self.t("web.field_tenant", "cs"))
        assert d.switch_to.active_element.get_attribute("name") == "tenant"
        self.fill("tenant", "nope")
        self.fill("username", "alice")
        self.submit()
        alert = d.find_element(By.CSS_SELECTOR, '[role="alert"]')
        assert self.t("web.error_tenant_unknown", "cs") in alert.text, alert.text
        self.screenshot("unknown-organization-cs")
        # A form whose CSRF cookie is gone (an old tab, another site's form) is refused and changes nothing.
        for cookie in d.get_cookies():
            if "csrf" in cookie["name"]:
                d.delete_cookie(cookie["name"])
        self.fill("tenant", "demo")
        self.fill("username", "alice")
        self.submit()
        self.expect_text(self.t("web.csrf_title", "cs"))
        assert not any("flow" in c["name"] for c in d.get_cookies()), d.get_cookies()
        self.screenshot("csrf-refused-cs")
        self.no_csp_violations()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--mail", required=True, help="JSON lines of scripts/peers/smtp_capture.py")
    p.add_argument("--sms", required=True, help="JSON lines of scripts/peers/sms_receiver.py")
    p.add_argument("--artifacts", required=True, help="folder for the screenshots")
    p.add_argument("--only", help="comma-separated scenario names")
    args = p.parse_args()
    run = Run(args)
    scenarios = ["sms_totp", "email_questions", "totp_resync", "wrong_code", "language_switch", "error_pages"]
    if args.only:
        scenarios = [s for s in scenarios if s in args.only.split(",")]
    passed = failed = 0
    for name in scenarios:
        started = time.time()
        try:
            getattr(run, name)()
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.time() - started), flush=True)
        except Exception:  # noqa: BLE001 - every scenario is reported
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
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
