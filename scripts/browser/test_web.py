#!/usr/bin/env python3
"""Browser tests of the self-service web app: a real headless Chromium (Selenium + chromedriver) against a live
`lifeline serve --demo`, with codes read from the SMTP capture and the SMS receiver (scripts/browser.sh starts
them all). Saves a screenshot of every page to --artifacts as NN-name.png.

Scenarios (demo tenant `demo`):
  sms_totp         alice: text message, then authenticator app; actions page; the reset form and back; self-service
  email_questions  alice: email code, then her security questions
  totp_resync      bob: an authenticator 5 steps ahead, then two consecutive codes
  wrong_code       kari: a wrong SMS code, the error announced; the JavaScript countdown, then "send again"
  language_switch  Czech then Norwegian from the menu, kept in a cookie across pages and into the flow
  error_pages      no flow in this browser, an unknown organization, a form without its CSRF cookie (in Czech)
  reset_password   alice: the rules, a mismatch, a common password, then a new one; notice, "already done", notified
  unlock_account   dave (locked): unlock, notice, notified; alice (not locked): the button disabled with the reason
  card_unblock     alice: unknown serials, a mistyped decimal group, a decimal and (second verification) a hex
                   challenge; each cryptogram checked against `openssl enc -des-ede3-ecb` and an own Damm formatter
  card_deep_link   /unblock?serial=…&challenge=… in a fresh browser: verifying leads to the pre-filled card form; the cryptogram only after the user confirms
  emergency_code   alice: the code page (10 digits, expiry, uses); the code accepted by POST /api/v1/validate
  page_fixes       issue 15: the only number preselected; a wrong number kept, marked and focused; an HTML 404 page;
                   Back after an action (alice's emergency code) shows it used; the actions have one width (in sms_totp)

Alice verifies in several scenarios: her authenticator codes are single-use per 30 s step, so `fresh_totp` waits
for the next step when this run already used the current one.

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
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SECRETS = {
    "alice": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "bob": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "kari": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    "dave": "KRSXG5CBNVSWM2LDMFWGK3TUMVZXIMZQ",
}
PHONES = {"alice": "+420777123789", "bob": "+420608555111", "kari": "+4791234567", "dave": "+420603111222"}
EMAILS = {"alice": "alice@demo.example", "bob": "bob@demo.example", "kari": "kari@demo.example", "dave": "dave@demo.example"}
ANSWERS = {"alice": {"pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"}}
SELFSERVICE = "https://example.com/selfservice"
TENANT_NAME = "Lifeline Demo"  # the demo tenant's display name, in the notifications
# The demo smart cards (DemoSeeder): serial -> 3DES admin key (hex). Demo keys only.
CARDS = {"DEMO-CARD-0001": "0123456789ABCDEFFEDCBA98765432100011223344556677"}


# --- card challenges and responses, written from docs/card-unblock.md independently of the server's code --------
# The Damm quasigroup as published (H. M. Damm 2004; the table of the Wikipedia article "Damm algorithm").
DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def damm(digits):
    interim = 0
    for d in digits:
        interim = DAMM[interim][d]
    return interim


assert damm([5, 7, 2]) == 4 and damm([5, 7, 2, 4]) == 0, "the Damm table is mistyped"  # the published example


def decimal_code(data):
    """Bytes as one big-endian unsigned integer in decimal, zero-padded to 20 (8 bytes) or 40 (16 bytes) digits, in
    groups of 4 digits each followed by the Damm check digit of (group position mod 10, then the 4 digits)."""
    width = {8: 20, 16: 40}[len(data)]
    digits = str(int.from_bytes(data, "big")).zfill(width)
    groups = []
    for i in range(width // 4):
        chunk = digits[4 * i:4 * i + 4]
        groups.append(chunk + str(damm([(i + 1) % 10] + [int(c) for c in chunk])))
    return " ".join(groups)


# The worked example of docs/card-unblock.md (challenge, and the response under the example key).
assert decimal_code(bytes.fromhex("A1B2C3D4E5F60718")) == "11652 15900 50513 19484 36728", "decimal_code disagrees with the doc"
assert decimal_code(bytes.fromhex("51F72B7126CAD2FB")) == "05907 62371 20138 01829 01556", "decimal_code disagrees with the doc"


def hex_code(data):
    """Upper-case hex in groups of 4, separated by spaces."""
    h = data.hex().upper()
    return " ".join(h[i:i + 4] for i in range(0, len(h), 4))


def openssl_3des(key_hex, block):
    """One 8-byte block encrypted with 3DES-EDE in ECB by the openssl command line (the independent oracle)."""
    out = subprocess.run(["openssl", "enc", "-des-ede3-ecb", "-nopad", "-K", key_hex], input=block, capture_output=True, check=True).stdout
    assert len(out) == 8, "openssl returned %d bytes" % len(out)
    return out


def flat(text):
    """Whitespace collapsed to single spaces (mail bodies come back with their own line ends)."""
    return " ".join((text or "").split())



def new_chrome(accept_language, size):
    """A fresh headless Chromium (no cookies) through chromedriver ($CHROMIUM_BIN, $CHROMEDRIVER_BIN), asking for
    `accept_language`, with a window of `size` ("W,H") and the browser console log kept (for CSP checks)."""
    opts = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=" + size):
        opts.add_argument(flag)
    opts.add_argument("--lang=" + accept_language.split(",")[0])
    opts.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = os.environ.get("CHROMIUM_BIN") or "/usr/bin/chromium"
    if os.path.exists(binary):
        opts.binary_location = binary
    driver_path = os.environ.get("CHROMEDRIVER_BIN") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(30)
    return driver

class Run:
    def __init__(self, args):
        self.base = args.base_url.rstrip("/")
        self.mail = args.mail
        self.sms = args.sms
        self.out = args.artifacts
        self.server_log = args.server_log
        self.shot = 0
        self.totp_steps = {}  # user -> the last TOTP step this run submitted (codes are single-use)
        os.makedirs(self.out, exist_ok=True)
        # The pages' texts are the web app's (LifelineHTTP/i18n); the SMS and email texts are the core's
        # (LifelineCore/Messages/MessageCatalog+LANG.swift, one `"message.…": "…",` literal a line).
        root = os.path.join(os.path.dirname(__file__), "..", "..", "Sources")
        self.catalogs = {}
        for lang in ("en", "cs", "nb"):
            with open(os.path.join(root, "LifelineHTTP", "i18n", lang + ".json"), encoding="utf-8") as f:
                catalog = json.load(f)
            with open(os.path.join(root, "LifelineCore", "Messages", "MessageCatalog+" + lang + ".swift"), encoding="utf-8") as f:
                for line in f:
                    m = re.match(r'\s*"(message\.[^"]+)":\s*(".*"),\s*$', line)
                    if m:
                        catalog[m.group(1)] = json.loads(m.group(2))
            self.catalogs[lang] = catalog
        self.en = self.catalogs["en"]
        self.driver = None

    # --- browser -----------------------------------------------------------------------------------------------

    def open_browser(self, accept_language="en-GB,en"):
        """A fresh browser (no cookies), sized like a phone."""
        self.close_browser()
        self.driver = new_chrome(accept_language, "412,915")
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

        def replaced(_):
            try:
                old.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as e:
                # Chromium sometimes answers mid-navigation with this inspector error instead of "stale element"
                # (seen once in ~10 runs): the node belongs to a document that is no longer the page's.
                if "does not belong to the document" in str(e):
                    return True
                raise

        WebDriverWait(self.driver, 15).until(replaced)

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

    def fresh_totp(self, user):
        """A code of the current TOTP step, waiting for the next step when this run already submitted this one (the
        server refuses a step at or below the last accepted one as a replay)."""
        step = int(time.time() // 30)
        last = self.totp_steps.get(user)
        if last is not None and step <= last:
            wait = (last + 1) * 30 - time.time() + 0.5
            print("  waiting %.0fs for a fresh authenticator step of %s" % (wait, user), flush=True)
            time.sleep(max(wait, 0))
            step = last + 1
        at = datetime.datetime.fromtimestamp(step * 30 + 1, datetime.timezone.utc)
        code = subprocess.check_output(["oathtool", "--totp", "-b", SECRETS[user], "--now", at.strftime("%Y-%m-%d %H:%M:%S UTC")], text=True).strip()
        self.totp_steps[user] = step
        return code

    def verify(self, user, start=True, expect_verified=True):
        """Verifies `user` with the demo flow sms-totp (text message, then authenticator) and lands on the actions
        page. start=False: the start page is already open in this browser (username not yet sent)."""
        d = self.driver
        if start:
            self.start(user, "sms-totp")
        else:
            self.fill("username", user)
            self.submit()
            WebDriverWait(d, 10).until(EC.url_to_be(self.base + "/recover/flow"))
            self.choose("flow", "sms-totp")
        self.submit()
        self.expect_text(self.t("prompt.choose_number"))
        self.choose("contact", "0")
        self.fill("number", PHONES[user])
        sent = len(self.messages("sms", PHONES[user]))
        self.submit()
        self.expect_text(self.t("prompt.enter_code"))
        self.fill("code", self.wait_for_code("sms", PHONES[user], after=sent))
        self.submit()
        self.expect_text(self.t("prompt.totp"))
        self.fill("code", self.fresh_totp(user))
        self.submit()
        if expect_verified:
            self.expect_text(self.t("prompt.verified"))

    def wait_for_message(self, kind, recipient, after, contains, timeout=20):
        """The first message to `recipient` after the first `after` ones whose text contains `contains` (whitespace
        collapsed)."""
        deadline = time.time() + timeout
        while True:
            texts = self.messages(kind, recipient)[after:]
            for text in texts:
                if flat(contains) in flat(text):
                    return text
            if time.time() > deadline:
                raise AssertionError("no %s to %s containing %r within %ss; got %r" % (kind, recipient, contains, timeout, texts))
            time.sleep(0.3)

    def action_button(self, action):
        return self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="%s"]' % action)

    def expect_action_disabled(self, action, note_key):
        """On the actions page: `action` is a disabled button whose note (aria-describedby) is the text of `note_key`."""
        d = self.driver
        assert not d.find_elements(By.CSS_SELECTOR, 'a[data-action="%s"]' % action), "%s is still a link" % action
        button = self.action_button(action)
        assert not button.is_enabled(), "%s is not disabled" % action
        note_id = button.get_attribute("aria-describedby")
        assert note_id, "%s has no note" % action
        note = d.find_element(By.ID, note_id).text
        assert note == self.t(note_key), "%s: note %r, expected %r" % (action, note, self.t(note_key))

    def alert_texts(self):
        return [p.text for p in self.driver.find_elements(By.CSS_SELECTOR, '[role="alert"] p')]

    def field_value(self, name):
        return self.driver.find_element(By.NAME, name).get_attribute("value")

    def validate_key(self):
        """The validate API key the demo printed on start (scripts/browser.sh keeps the server's stdout)."""
        assert self.server_log, "no --server-log: the demo's validate key is unknown"
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(self.server_log):
                with open(self.server_log, encoding="utf-8", errors="replace") as f:
                    m = re.search(r"^\s*validate:\s*(\S+)\s*$", f.read(), re.M)
                if m:
                    return m.group(1)
            time.sleep(0.2)
        raise AssertionError("no validate key in %s" % self.server_log)

    def api_validate(self, username, code):
        req = urllib.request.Request(self.base + "/api/v1/validate", method="POST",
                                     data=json.dumps({"tenant": "demo", "username": username, "code": code}).encode(),
                                     headers={"Authorization": "Bearer " + self.validate_key(), "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

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
        self.fill("code", self.fresh_totp("alice"))
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
        # Links and buttons of the actions page have one width, on a phone and on a desktop.
        for width in (412, 1280):
            d.set_window_size(width, 900)
            widths = {e.get_attribute("data-action"): e.rect["width"] for e in d.find_elements(By.CSS_SELECTOR, ".actions [data-action]")}
            assert len(widths) == 5 and len(set(widths.values())) == 1, "the actions have different widths at %d px: %s" % (width, widths)
        self.screenshot("actions-desktop")
        d.set_window_size(412, 915)
        # Reset password takes input: a link to its own form page (the grant is used only when the form is sent).
        self.click(d.find_element(By.CSS_SELECTOR, 'a[data-action="reset-password"]'))
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/action/reset-password", d.current_url
        self.expect_text(self.t("web.title_reset-password"))
        self.screenshot("reset-form")
        self.click(d.find_element(By.LINK_TEXT, self.t("web.back_to_actions")))
        self.expect_text(self.t("prompt.verified"))
        assert d.find_element(By.CSS_SELECTOR, 'a[data-action="reset-password"]').is_displayed()
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
        self.expect_text(self.t("prompt.verified"))
        self.expect_action_disabled("selfservice", "action.used")

    def page_fixes(self):
        """Issue 15's recovery-page fixes, as a user meets them."""
        d = self.open_browser()
        # bob has one phone: it is chosen already.
        self.start("bob", "sms-totp")
        self.submit()
        self.expect_text(self.t("prompt.choose_number"))
        radio = d.find_element(By.CSS_SELECTOR, 'input[type="radio"][name="contact"]')
        assert radio.is_selected(), "the only number is not preselected"
        # A wrong number: the choice and the typed number are kept, the number is marked and has the focus.
        self.fill("number", "+420608000000")
        self.submit()
        self.expect_text(self.t("error.number_mismatch"))
        assert d.find_element(By.CSS_SELECTOR, 'input[type="radio"][name="contact"]').is_selected(), "the choice is lost"
        assert self.field_value("number") == "+420608000000", "the typed number is lost: %r" % self.field_value("number")
        active = d.switch_to.active_element
        assert active.get_attribute("name") == "number", "the focus is on %r" % active.get_attribute("name")
        assert active.get_attribute("aria-invalid") == "true" and active.get_attribute("aria-describedby") == "errors"
        self.screenshot("wrong-number-kept")
        self.no_csp_violations()
        # An address nobody serves: a page in the browser's language, not JSON.
        d = self.open_browser(accept_language="nb-NO,nb")
        d.get(self.base + "/no/such/page")
        self.expect_text(self.t("web.notfound_title", "nb"))
        self.expect_lang("nb")
        self.screenshot("not-found-nb")
        # Back after an action: alice gets an emergency code; Back from its page shows the action used, not available.
        d = self.open_browser()
        self.verify("alice")
        self.click(self.action_button("emergency-code"))
        self.expect_text(self.t("web.title_code_result"))
        d.back()
        WebDriverWait(d, 10).until(lambda drv: drv.execute_script("return document.readyState") == "complete")
        time.sleep(1)  # a page restored from the back/forward cache fetches itself again (app.js): let it
        self.expect_text(self.t("prompt.verified"))
        self.expect_action_disabled("emergency-code", "action.used")
        self.screenshot("back-after-action")

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

    # --- recovery actions (docs/recovery-actions.md) ----------------------------------------------------------

    def reset_password(self):
        d = self.open_browser()
        self.verify("alice")
        self.click(d.find_element(By.CSS_SELECTOR, 'a[data-action="reset-password"]'))
        self.expect_text(self.t("web.title_reset-password"))
        self.expect_text(self.t("web.intro_reset-password"))
        # The rules are listed before anything is typed (the demo policy: 12-128 characters, not the username).
        rules = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#rules li")]
        expected = [self.t("password.rule_length", min=12, max=128), self.t("password.rule_username"), self.t("password.rule_common")]
        assert rules == expected, "rules %r, expected %r" % (rules, expected)
        assert self.t("web.rules_title") in d.find_element(By.ID, "rules").text
        assert "rules" in d.find_element(By.NAME, "password").get_attribute("aria-describedby").split()
        assert not d.find_elements(By.CSS_SELECTOR, '[role="alert"]'), "errors before anything was sent"
        self.screenshot("reset-form-rules")
        # Two different passwords: the form again, the mismatch named, nothing typed sent back.
        self.fill("password", "Velvet-Otter-Lantern-41")
        self.fill("confirmation", "Velvet-Otter-Lantern-42")
        self.submit()
        self.expect_text(self.t("password.mismatch"))
        assert self.alert_texts() == [self.t("password.mismatch")], self.alert_texts()
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/action/reset-password", d.current_url
        for name in ("password", "confirmation"):
            assert self.field_value(name) == "", "%s sent back into the page: %r" % (name, self.field_value(name))
        # A mismatch is about the confirmation: only it is marked invalid, points at the errors and has the focus.
        confirmation = d.find_element(By.NAME, "confirmation")
        assert confirmation.get_attribute("aria-invalid") == "true"
        assert "errors" in confirmation.get_attribute("aria-describedby").split()
        assert d.find_element(By.NAME, "password").get_attribute("aria-invalid") is None
        assert d.switch_to.active_element == confirmation, "the confirmation field has no focus"
        assert [li.text for li in d.find_elements(By.CSS_SELECTOR, "#rules li")] == expected, "the rules are gone after an error"
        self.screenshot("reset-mismatch")
        # A common password with digits and a symbol appended: still common.
        self.fill("password", "Password12345!")
        self.fill("confirmation", "Password12345!")
        self.submit()
        self.expect_text(self.t("password.common"))
        assert self.t("password.common") in self.alert_texts(), self.alert_texts()
        assert self.t("password.mismatch") not in self.body()
        assert self.field_value("password") == "" and self.field_value("confirmation") == ""
        self.screenshot("reset-common")
        # A good one, twice: back on the actions page with the notice; the reset is used up.
        good = "Velvet-Otter-Lantern-%04d" % (int(time.time()) % 10000)
        sms_before = len(self.messages("sms", PHONES["alice"]))
        mail_before = len(self.messages("email", EMAILS["alice"]))
        self.fill("password", good)
        self.fill("confirmation", good)
        self.submit()
        self.expect_text(self.t("notice.password_reset"))
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/flow", d.current_url
        self.expect_text(self.t("prompt.verified"))
        status = d.find_element(By.CSS_SELECTOR, '[role="status"]').text
        assert self.t("notice.password_reset") in status, status
        self.expect_action_disabled("reset-password", "action.used")
        # The other actions are still there.
        assert self.action_button("emergency-code").is_enabled()
        self.screenshot("reset-done")
        # Every contact of alice is told, in her language.
        sms = self.t("message.action_sms", tenant=TENANT_NAME, action=self.t("action.reset-password")).split("{time}")[0]
        self.wait_for_message("sms", PHONES["alice"], sms_before, sms)
        mail = self.t("message.action_body.password_reset", tenant=TENANT_NAME).split("{time}")[0]
        self.wait_for_message("email", EMAILS["alice"], mail_before, mail)
        # The form page itself is gone now.
        d.get(self.base + "/recover/action/reset-password")
        self.expect_text(self.t("web.unavailable_title"))
        assert not d.find_elements(By.NAME, "password")
        self.no_csp_violations()

    def unlock_account(self):
        # Dave is locked in the built-in directory: the unlock is offered and works once.
        d = self.open_browser()
        self.verify("dave")
        button = self.action_button("unlock-account")
        assert button.is_enabled(), "unlock is disabled for a locked account"
        assert not button.get_attribute("aria-describedby"), "unlock has a note for a locked account"
        self.screenshot("unlock-offered")
        sms_before = len(self.messages("sms", PHONES["dave"]))
        mail_before = len(self.messages("email", EMAILS["dave"]))
        self.click(button)
        self.expect_text(self.t("notice.unlocked"))
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/flow", d.current_url
        self.expect_action_disabled("unlock-account", "action.used")
        self.screenshot("unlocked")
        sms = self.t("message.action_sms", tenant=TENANT_NAME, action=self.t("action.unlock-account")).split("{time}")[0]
        self.wait_for_message("sms", PHONES["dave"], sms_before, sms)
        mail = self.t("message.action_body.unlocked", tenant=TENANT_NAME).split("{time}")[0]
        self.wait_for_message("email", EMAILS["dave"], mail_before, mail)
        self.no_csp_violations()
        # Alice is not locked: the button is there, disabled, with the reason.
        d = self.open_browser()
        self.verify("alice")
        self.expect_action_disabled("unlock-account", "action.not_locked")
        assert self.t("notice.unlocked") not in self.body()
        self.screenshot("unlock-not-locked")
        self.no_csp_violations()

    def card_form(self):
        """From the actions page to the empty card form."""
        d = self.driver
        self.click(d.find_element(By.CSS_SELECTOR, 'a[data-action="card-unblock"]'))
        assert urllib.parse.urlsplit(d.current_url).path == "/recover/action/card-unblock", d.current_url
        self.expect_text(self.t("web.title_card-unblock"))
        self.expect_text(self.t("web.challenge_hint"))

    def send_card(self, serial, challenge):
        self.fill("serial", serial)
        self.fill("challenge", challenge)
        self.submit()

    def expect_cryptogram(self, serial, expected, hint_key):
        """The result page of a card unblock: the cryptogram, large, for the card `serial`."""
        d = self.driver
        self.expect_text(self.t("web.title_card_result"))
        value = d.find_element(By.ID, "result-value").text
        print("  cryptogram %s (expected %s)" % (value, expected), flush=True)
        assert value == expected, "cryptogram %r, expected %r" % (value, expected)
        self.expect_text(self.t("web.card_serial", serial=serial))
        self.expect_text(self.t("web.intro_card_result"))
        self.expect_text(self.t(hint_key))
        assert not d.find_elements(By.CSS_SELECTOR, "form.card"), "a form on the result page"

    def card_unblock(self):
        serial = "DEMO-CARD-0001"
        key = CARDS[serial]
        d = self.open_browser()
        # The oracle itself, on the worked example of docs/card-unblock.md.
        assert openssl_3des("8C1F3A5E7B2D4C6E19F0A2B4C6D8E0F12A4C6E8091B3D5F7", bytes.fromhex("A1B2C3D4E5F60718")).hex() == "51f72b7126cad2fb"
        self.verify("alice")
        self.card_form()
        assert self.field_value("serial") == "" and self.field_value("challenge") == ""
        self.screenshot("card-form")
        # Decimal: 5 groups of 4 digits + check digit. The value computed here, without the server.
        challenge = os.urandom(8)
        typed = decimal_code(challenge)
        expected = decimal_code(openssl_3des(key, challenge))
        # An unknown serial, and someone else's card (bob's), get the same answer; the grant is kept.
        for other, other_challenge in (("DEMO-CARD-9999", typed), ("DEMO-CARD-0002", hex_code(os.urandom(16)))):
            self.send_card(other, other_challenge)
            self.expect_text(self.t("card.unknown"))
            assert self.alert_texts() == [self.t("card.unknown")], self.alert_texts()
            assert self.field_value("serial") == other, self.field_value("serial")
        self.screenshot("card-unknown")
        # One wrong digit in group 3: that group is named; serial and challenge stay in the fields to correct.
        groups = typed.split(" ")
        g = groups[2]
        groups[2] = g[0] + str((int(g[1]) + 1) % 10) + g[2:]
        wrong = " ".join(groups)
        assert wrong != typed
        self.send_card(serial, wrong)
        self.expect_text(self.t("card.challenge_group", group=3))
        assert self.alert_texts() == [self.t("card.challenge_group", group=3)], self.alert_texts()
        assert self.field_value("serial") == serial, self.field_value("serial")
        assert self.field_value("challenge") == wrong, (self.field_value("challenge"), wrong)
        assert d.find_element(By.NAME, "challenge").get_attribute("aria-invalid") == "true"
        assert d.find_element(By.NAME, "serial").get_attribute("aria-invalid") is None
        self.screenshot("card-group-3")
        # Corrected: the response, in decimal with check digits like the challenge.
        sms_before = len(self.messages("sms", PHONES["alice"]))
        self.fill("challenge", typed)
        self.submit()
        self.expect_cryptogram(serial, expected, "web.card_result_decimal")
        self.screenshot("card-result-decimal")
        self.no_csp_violations()
        sms = self.t("message.action_sms", tenant=TENANT_NAME, action=self.t("action.card-unblock")).split("{time}")[0]
        self.wait_for_message("sms", PHONES["alice"], sms_before, sms)
        self.click(d.find_element(By.LINK_TEXT, self.t("web.back_to_actions")))
        self.expect_text(self.t("prompt.verified"))
        self.expect_action_disabled("card-unblock", "action.used")
        # Hex (a new verification: the grant is single-use), typed in lower case: the answer in hex.
        d = self.open_browser()
        self.verify("alice")
        self.card_form()
        challenge = os.urandom(8)
        self.send_card(serial, challenge.hex())
        self.expect_cryptogram(serial, hex_code(openssl_3des(key, challenge)), "web.card_result_hex")
        self.screenshot("card-result-hex")
        self.no_csp_violations()

    def card_deep_link(self):
        serial, challenge = "DEMO-CARD-0001", bytes.fromhex("0011223344556677")
        d = self.open_browser()
        d.get(self.base + "/unblock?tenant=demo&serial=%s&challenge=%s" % (serial, challenge.hex()))
        # The link starts the recovery of the link's organization, serial and challenge kept in a cookie.
        assert d.current_url == self.base + "/recover?tenant=demo", d.current_url
        self.expect_text(self.t("web.start_title"))
        cookie = next((c for c in d.get_cookies() if "unblock" in c["name"]), None)
        assert cookie and cookie["httpOnly"] and cookie["value"] == "%s.%s" % (serial, challenge.hex()), d.get_cookies()
        self.screenshot("deep-link-start")
        # The last step's submission leads to the card form, filled in from the link, asking the user to confirm:
        # a link planted cross-site must not compute a cryptogram by itself.
        self.verify("alice", start=False, expect_verified=False)
        expected = hex_code(openssl_3des(CARDS[serial], challenge))
        WebDriverWait(d, 10).until(EC.url_to_be(self.base + "/recover/action/card-unblock"))
        self.expect_text(self.t("web.confirm_card-unblock"))
        assert d.find_element(By.NAME, "serial").get_attribute("value") == serial
        assert d.find_element(By.NAME, "challenge").get_attribute("value") == challenge.hex()
        assert expected not in self.body(), "the cryptogram is shown before the user confirmed"
        self.screenshot("deep-link-confirm")
        self.submit()
        self.expect_cryptogram(serial, expected, "web.card_result_hex")
        assert self.t("prompt.verified") not in self.body()
        assert not d.find_elements(By.NAME, "challenge")
        assert not any("unblock" in c["name"] for c in d.get_cookies()), "the deep link's cookie is kept: %s" % d.get_cookies()
        self.screenshot("deep-link-result")
        self.no_csp_violations()
        # The grant is used; a reload of the actions page does not show the value again.
        d.get(self.base + "/recover/flow")
        self.expect_text(self.t("prompt.verified"))
        self.expect_action_disabled("card-unblock", "action.used")
        assert expected not in self.body(), "the cryptogram is shown again"

    def emergency_code(self):
        d = self.open_browser()
        self.verify("alice")
        mail_before = len(self.messages("email", EMAILS["alice"]))
        issued = datetime.datetime.now(datetime.timezone.utc)
        self.click(self.action_button("emergency-code"))
        self.expect_text(self.t("web.title_code_result"))
        self.expect_text(self.t("web.intro_code_result"))
        value = d.find_element(By.ID, "result-value").text
        assert re.fullmatch(r"\d{5} \d{5}", value), "the code is not 10 digits in 2 groups: %r" % value
        lines = [p.text for p in d.find_elements(By.CSS_SELECTOR, "p.hint")]
        # The demo template: 5 uses within 3 days.
        # In the organization's time zone (the demo's is UTC) and the page's language: "7 Dec 2026 at 20:15 UTC".
        m = re.fullmatch(re.escape(self.t("web.code_expires", time="@")).replace("@", r"(\d{1,2} \w{3} \d{4})(?:,| at) (\d\d:\d\d) UTC"),
                         lines[0] if lines else "")
        assert m, "no expiry line: %r" % lines
        until = datetime.datetime.strptime(m.group(1) + " " + m.group(2), "%d %b %Y %H:%M").replace(tzinfo=datetime.timezone.utc)
        delta = (until - issued).total_seconds()
        assert abs(delta - 259200) <= 120, "valid until %s, %.0f s after the issue (expected 3 days)" % (until, delta)
        assert lines[1:] == [self.t("web.code_uses#other", count=5), self.t("web.code_once")], lines
        assert not d.find_elements(By.CSS_SELECTOR, "form.card")
        self.screenshot("emergency-code")
        self.no_csp_violations()
        # An issue is notified.
        mail = self.t("message.action_body.emergency_code", tenant=TENANT_NAME).split("{time}")[0]
        self.wait_for_message("email", EMAILS["alice"], mail_before, mail)
        # The code stands in for alice's one-time password at the validation API (typed as shown, with the space).
        status, answer = self.api_validate("alice", value)
        assert status == 200 and answer == {"result": "accept"}, "validate answered %s %r" % (status, answer)
        status, answer = self.api_validate("alice", value.replace(" ", ""))
        assert status == 200 and answer == {"result": "accept"}, "second use: validate answered %s %r" % (status, answer)
        # Back on the actions page: used.
        self.click(d.find_element(By.LINK_TEXT, self.t("web.back_to_actions")))
        self.expect_text(self.t("prompt.verified"))
        self.expect_action_disabled("emergency-code", "action.used")
        assert value not in self.body(), "the code is shown again"
        self.screenshot("emergency-code-used")
        self.no_csp_violations()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--mail", required=True, help="JSON lines of scripts/peers/smtp_capture.py")
    p.add_argument("--sms", required=True, help="JSON lines of scripts/peers/sms_receiver.py")
    p.add_argument("--artifacts", required=True, help="folder for the screenshots")
    p.add_argument("--server-log", help="the server's stdout (the demo banner with the API keys)")
    p.add_argument("--only", help="comma-separated scenario names")
    args = p.parse_args()
    run = Run(args)
    # Alice's reset changes her built-in password and her emergency code is replaced by each issue; dave's unlock can
    # happen once per server (he starts locked). Each scenario verifies in a browser of its own.
    scenarios = ["sms_totp", "email_questions", "totp_resync", "wrong_code", "language_switch", "error_pages",
                 "reset_password", "unlock_account", "card_unblock", "card_deep_link", "emergency_code", "page_fixes"]
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
