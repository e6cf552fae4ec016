import Foundation

/// The texts of the helpdesk's messages to users (caller codes, helpdesk codes, "the helpdesk did X"), in English,
/// Czech and Norwegian Bokmål. Why a catalog of its own beside ``MessageCatalog``: the helpdesk owns these words, and
/// a separate table keeps its changes out of the flows' catalog. No message carries the operator's name, the reason
/// or any secret but the one code it exists to deliver.
enum HelpdeskMessages {
    static let catalog = Catalog(texts: ["en": en, "cs": cs, "nb": nb])

    static let en: [String: String] = [
        "helpdesk.caller_code_sms": "{tenant}: your helpdesk verification code is {code}. Read it out only to the helpdesk agent you called.",
        "helpdesk.caller_code_subject": "{tenant}: helpdesk verification code",
        "helpdesk.caller_code_body": "Hello,\n\nyour helpdesk verification code is {code}. Read it out only to the helpdesk agent you are speaking with; it works for 10 minutes.\n\nIf you are not speaking with the helpdesk, ignore this message.\n\n{tenant}",
        "helpdesk.code_sms": "{tenant}: your helpdesk access code is {code} ({uses} use(s), {hours} h). Use it in place of your authenticator's code.",
        "helpdesk.code_subject": "{tenant}: your helpdesk access code",
        "helpdesk.code_body": "Hello,\n\nyour helpdesk access code is {code}. It works {uses} time(s) within {hours} hour(s), in place of your authenticator's code.\n\nIf you did not ask the helpdesk for it, contact your helpdesk now.\n\n{tenant}",
        "helpdesk.notice_sms": "{tenant}: the helpdesk {action} on your account. If you did not ask for this, contact your helpdesk now.",
        "helpdesk.notice_subject": "{tenant}: the helpdesk changed your account",
        "helpdesk.notice_body": "Hello,\n\nthe helpdesk {action} on your account.\n\nIf you did not ask for this, contact your helpdesk now.\n\n{tenant}",
        "helpdesk.action.token_reset": "cleared the lock of your authenticator",
        "helpdesk.action.token_resync": "resynchronised your authenticator",
        "helpdesk.action.token_disable": "disabled an authenticator",
        "helpdesk.action.token_enable": "enabled an authenticator",
        "helpdesk.action.emergency_code_revoke": "revoked your emergency code",
        "helpdesk.action.budget_lift": "lifted the pause of your account recovery",
        "helpdesk.action.helpdesk_code": "issued an access code",
        "helpdesk.action.pin_block": "blocked the PIN of your Lifeline Authenticator",
        "helpdesk.action.ubc_display": "issued an unblocking code (UBC) for your Lifeline Authenticator",
        "helpdesk.action.pin_reset_present": "opened a PIN reset of your Lifeline Authenticator",
        "helpdesk.authenticator_replaced_sms": "{tenant}: a new Lifeline Authenticator app was activated on your account; your previous app no longer gives codes. If this was not you, contact your helpdesk now.",
        "helpdesk.authenticator_replaced_subject": "{tenant}: a new authenticator app was activated",
        "helpdesk.authenticator_replaced_body": "Hello,\n\na new Lifeline Authenticator app was activated on your account, and your previous app no longer gives codes.\n\nIf you did not do this, contact your helpdesk now.\n\n{tenant}",
    ]

    static let cs: [String: String] = [
        "helpdesk.caller_code_sms": "{tenant}: váš ověřovací kód pro helpdesk je {code}. Přečtěte ho jen pracovníkovi helpdesku, kterému jste volali.",
        "helpdesk.caller_code_subject": "{tenant}: ověřovací kód pro helpdesk",
        "helpdesk.caller_code_body": "Dobrý den,\n\nváš ověřovací kód pro helpdesk je {code}. Přečtěte ho jen pracovníkovi helpdesku, se kterým mluvíte; platí 10 minut.\n\nPokud s helpdeskem nemluvíte, zprávu ignorujte.\n\n{tenant}",
        "helpdesk.code_sms": "{tenant}: váš přístupový kód od helpdesku je {code} (použití: {uses}, {hours} h). Zadejte ho místo kódu z autentizátoru.",
        "helpdesk.code_subject": "{tenant}: váš přístupový kód od helpdesku",
        "helpdesk.code_body": "Dobrý den,\n\nváš přístupový kód od helpdesku je {code}. Platí pro {uses} použití během {hours} h, místo kódu z autentizátoru.\n\nPokud jste o něj helpdesk nežádali, ihned helpdesk kontaktujte.\n\n{tenant}",
        "helpdesk.notice_sms": "{tenant}: helpdesk na vašem účtu {action}. Pokud jste o to nežádali, ihned kontaktujte helpdesk.",
        "helpdesk.notice_subject": "{tenant}: helpdesk změnil váš účet",
        "helpdesk.notice_body": "Dobrý den,\n\nhelpdesk na vašem účtu {action}.\n\nPokud jste o to nežádali, ihned kontaktujte helpdesk.\n\n{tenant}",
        "helpdesk.action.token_reset": "zrušil zámek autentizátoru",
        "helpdesk.action.token_resync": "znovu synchronizoval autentizátor",
        "helpdesk.action.token_disable": "vypnul autentizátor",
        "helpdesk.action.token_enable": "zapnul autentizátor",
        "helpdesk.action.emergency_code_revoke": "zrušil nouzový kód",
        "helpdesk.action.budget_lift": "zrušil pozastavení obnovy účtu",
        "helpdesk.action.helpdesk_code": "vydal přístupový kód",
        "helpdesk.action.pin_block": "zablokoval PIN vaší aplikace Lifeline Authenticator",
        "helpdesk.action.ubc_display": "vydal odblokovací kód (UBC) pro vaši aplikaci Lifeline Authenticator",
        "helpdesk.action.pin_reset_present": "otevřel obnovení PINu vaší aplikace Lifeline Authenticator",
        "helpdesk.authenticator_replaced_sms": "{tenant}: na vašem účtu byla aktivována nová aplikace Lifeline Authenticator; předchozí aplikace už kódy nedává. Pokud jste to nebyli vy, ihned kontaktujte helpdesk.",
        "helpdesk.authenticator_replaced_subject": "{tenant}: byla aktivována nová aplikace autentizátoru",
        "helpdesk.authenticator_replaced_body": "Dobrý den,\n\nna vašem účtu byla aktivována nová aplikace Lifeline Authenticator a vaše předchozí aplikace už kódy nedává.\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk.\n\n{tenant}",
    ]

    static let nb: [String: String] = [
        "helpdesk.caller_code_sms": "{tenant}: bekreftelseskoden din til brukerstøtten er {code}. Les den bare opp for brukerstøtten du ringte.",
        "helpdesk.caller_code_subject": "{tenant}: bekreftelseskode til brukerstøtten",
        "helpdesk.caller_code_body": "Hei,\n\nbekreftelseskoden din til brukerstøtten er {code}. Les den bare opp for brukerstøtten du snakker med; den virker i 10 minutter.\n\nSnakker du ikke med brukerstøtten, kan du se bort fra denne meldingen.\n\n{tenant}",
        "helpdesk.code_sms": "{tenant}: tilgangskoden din fra brukerstøtten er {code} ({uses} gang(er), {hours} t). Bruk den i stedet for koden fra autentiseringsappen.",
        "helpdesk.code_subject": "{tenant}: tilgangskoden din fra brukerstøtten",
        "helpdesk.code_body": "Hei,\n\ntilgangskoden din fra brukerstøtten er {code}. Den virker {uses} gang(er) innen {hours} time(r), i stedet for koden fra autentiseringsappen.\n\nHar du ikke bedt brukerstøtten om den, kontakt brukerstøtten straks.\n\n{tenant}",
        "helpdesk.notice_sms": "{tenant}: brukerstøtten {action} på kontoen din. Har du ikke bedt om dette, kontakt brukerstøtten straks.",
        "helpdesk.notice_subject": "{tenant}: brukerstøtten endret kontoen din",
        "helpdesk.notice_body": "Hei,\n\nbrukerstøtten {action} på kontoen din.\n\nHar du ikke bedt om dette, kontakt brukerstøtten straks.\n\n{tenant}",
        "helpdesk.action.token_reset": "fjernet låsen på autentiseringsappen",
        "helpdesk.action.token_resync": "synkroniserte autentiseringsappen på nytt",
        "helpdesk.action.token_disable": "slo av en autentiseringsapp",
        "helpdesk.action.token_enable": "slo på en autentiseringsapp",
        "helpdesk.action.emergency_code_revoke": "trakk tilbake nødkoden din",
        "helpdesk.action.budget_lift": "opphevet pausen i kontogjenopprettingen",
        "helpdesk.action.helpdesk_code": "utstedte en tilgangskode",
        "helpdesk.action.pin_block": "sperret PIN-koden til Lifeline Authenticator-appen din",
        "helpdesk.action.ubc_display": "utstedte en opplåsingskode (UBC) til Lifeline Authenticator-appen din",
        "helpdesk.action.pin_reset_present": "åpnet for ny PIN-kode i Lifeline Authenticator-appen din",
        "helpdesk.authenticator_replaced_sms": "{tenant}: en ny Lifeline Authenticator-app ble aktivert på kontoen din; den forrige appen gir ikke lenger koder. Var det ikke deg, kontakt brukerstøtten straks.",
        "helpdesk.authenticator_replaced_subject": "{tenant}: en ny autentiseringsapp ble aktivert",
        "helpdesk.authenticator_replaced_body": "Hei,\n\nen ny Lifeline Authenticator-app ble aktivert på kontoen din, og den forrige appen gir ikke lenger koder.\n\nHar du ikke gjort dette, kontakt brukerstøtten straks.\n\n{tenant}",
    ]
}
