extension MessageCatalog {
    /// The messages in Czech.
    static let cs: [String: String] = [
        "message.sms": "{tenant}: váš kód pro obnovu je {code}. Platí {minutes} min. Nikomu ho nesdělujte, nikdy se na něj nebudeme ptát.",
        "message.email_subject": "{tenant}: váš kód pro obnovu",
        "message.email_body": "Dobrý den,\n\nváš kód pro obnovu je {code}. Platí {minutes} minut.\n\nPokud jste o něj nežádali, možná se někdo snaží dostat do vašeho účtu: informujte helpdesk.\n\n{tenant}",
        "message.verified_sms": "{tenant}: vaše totožnost byla právě ověřena pro obnovu účtu ({time}). Pokud jste to nebyli vy, ihned kontaktujte helpdesk.",
        "message.verified_subject": "{tenant}: vaše totožnost byla ověřena pro obnovu účtu",
        "message.verified_body": "Dobrý den,\n\nvaše totožnost byla právě ověřena pro obnovu účtu ({time}).\n\nPokud jste to nebyli vy, možná se někdo snaží převzít váš účet: ihned kontaktujte helpdesk.\n\n{tenant}",
        "message.action_sms": "{tenant}: pro váš účet bylo provedeno: {action} ({time}). Pokud jste to nebyli vy, ihned kontaktujte helpdesk.",
        "message.action_subject": "{tenant}: {action} – oznámení",
        "message.action_body.password_reset": "Dobrý den,\n\nheslo vašeho účtu bylo právě změněno pomocí obnovy účtu ({time}).\n\nPokud jste to nebyli vy, někdo mohl převzít váš účet: ihned kontaktujte helpdesk.\n\n{tenant}",
        "message.action_body.unlocked": "Dobrý den,\n\nváš účet byl právě odblokován pomocí obnovy účtu ({time}).\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk.\n\n{tenant}",
        "message.action_body.authenticator_unlocked": "Dobrý den,\n\nvaše ověřovací aplikace byla právě odblokována pomocí obnovy účtu ({time}).\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk.\n\n{tenant}",
        "message.action_body.card_unblock": "Dobrý den,\n\npro vaši čipovou kartu byl právě vydán odblokovací kód pomocí obnovy účtu ({time}).\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk: vaše karta může být v cizích rukou.\n\n{tenant}",
        "message.action_body.emergency_code": "Dobrý den,\n\npro váš účet byl právě vydán nouzový přístupový kód pomocí obnovy účtu ({time}). Po omezenou dobu nahrazuje vaše jednorázové heslo.\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk, aby ho zrušil.\n\n{tenant}",
        "message.paused_sms": "{tenant}: obnova vašeho účtu je po příliš mnoha chybných odpovědích pozastavena do {time}. Pokud jste to nebyli vy, nic se nezměnilo; prohlížeč, ve kterém jste obnovu už dokončili, může pokračovat, nebo se obraťte na helpdesk.",
        "message.paused_subject": "{tenant}: obnova účtu pozastavena",
        "message.paused_body": "Obnova vašeho účtu je po příliš mnoha chybných odpovědích pozastavena do {time}.\n\nPokud jste to byli vy, zkuste to znovu po této době. Prohlížeč, ve kterém jste obnovu už dříve dokončili, může pokračovat hned a helpdesk může pozastavení zrušit.\n\nPokud jste to nebyli vy, někdo se možná snaží dostat do vašeho účtu. Nic se nezměnilo a pozastavení vás chrání.",
        "message.recovery_codes_issued_sms": "{tenant}: pro váš účet byla vydána nová sada {count} záložních kódů ({time}); staré kódy už neplatí. Pokud jste to nebyli vy, ihned kontaktujte helpdesk.",
        "message.recovery_codes_issued_subject": "{tenant}: nové záložní kódy",
        "message.recovery_codes_issued_body": "Dobrý den,\n\npro váš účet byla právě vydána nová sada {count} záložních kódů ({time}). Staré kódy už neplatí.\n\nPokud jste to nebyli vy, ihned kontaktujte helpdesk, aby kódy zrušil.\n\n{tenant}",
        "message.recovery_codes_used_sms": "{tenant}: právě byl použit jeden z vašich záložních kódů ({time}); zbývá {remaining}. Pokud jste to nebyli vy, ihned kontaktujte helpdesk.",
        "message.recovery_codes_used_subject": "{tenant}: byl použit záložní kód",
        "message.recovery_codes_used_body": "Dobrý den,\n\njeden z vašich záložních kódů byl právě použit ({time}), k přihlášení nebo k obnovení účtu. Zbývá kódů: {remaining}.\n\nPokud jste to nebyli vy, někdo může mít vaše kódy: ihned kontaktujte helpdesk, aby je zrušil.\n\n{tenant}",
    ]
}
