extension MessageCatalog {
    /// The messages in Norwegian Bokmål.
    static let nb: [String: String] = [
        "message.sms": "{tenant}: gjenopprettingskoden din er {code}. Den utløper om {minutes} minutter. Ikke del den med noen; vi spør aldri etter den.",
        "message.email_subject": "{tenant}: gjenopprettingskoden din",
        "message.email_body": "Hei,\n\ngjenopprettingskoden din er {code}. Den utløper om {minutes} minutter.\n\nHvis du ikke har bedt om den, kan noen prøve å komme inn på kontoen din: si fra til brukerstøtten.\n\n{tenant}",
        "message.verified_sms": "{tenant}: identiteten din ble nettopp bekreftet for gjenoppretting av kontoen ({time}). Var det ikke deg, kontakt brukerstøtten straks.",
        "message.verified_subject": "{tenant}: identiteten din er bekreftet for gjenoppretting av kontoen",
        "message.verified_body": "Hei,\n\nidentiteten din ble nettopp bekreftet for gjenoppretting av kontoen ({time}).\n\nVar det ikke deg, kan noen prøve å ta over kontoen din: kontakt brukerstøtten straks.\n\n{tenant}",
        "message.action_sms": "{tenant}: {action} ble utført for kontoen din ({time}). Var det ikke deg, kontakt brukerstøtten straks.",
        "message.action_subject": "{tenant}: {action} – varsel",
        "message.action_body.password_reset": "Hei,\n\npassordet til kontoen din ble nettopp endret gjennom kontogjenoppretting ({time}).\n\nVar det ikke deg, kan noen ha tatt over kontoen din: kontakt brukerstøtten straks.\n\n{tenant}",
        "message.action_body.unlocked": "Hei,\n\nkontoen din ble nettopp låst opp gjennom kontogjenoppretting ({time}).\n\nVar det ikke deg, kontakt brukerstøtten straks.\n\n{tenant}",
        "message.action_body.authenticator_unlocked": "Hei,\n\nautentiseringsappen din ble nettopp låst opp gjennom kontogjenoppretting ({time}).\n\nVar det ikke deg, kontakt brukerstøtten straks.\n\n{tenant}",
        "message.action_body.card_unblock": "Hei,\n\nen opplåsingskode for smartkortet ditt ble nettopp utstedt gjennom kontogjenoppretting ({time}).\n\nVar det ikke deg, kontakt brukerstøtten straks: kortet ditt kan være i andres hender.\n\n{tenant}",
        "message.action_body.emergency_code": "Hei,\n\nen nødtilgangskode for kontoen din ble nettopp utstedt gjennom kontogjenoppretting ({time}). Den erstatter engangspassordet ditt en begrenset tid.\n\nVar det ikke deg, kontakt brukerstøtten straks så den kan trekkes tilbake.\n\n{tenant}",
        "message.paused_sms": "{tenant}: gjenoppretting av kontoen din er satt på pause til {time} etter for mange feil svar. Var det ikke deg, er ingenting endret; en nettleser der du har gjenopprettet før, kan fortsette, eller kontakt brukerstøtten.",
        "message.paused_subject": "{tenant}: gjenoppretting satt på pause",
        "message.paused_body": "Gjenoppretting av kontoen din er satt på pause til {time} etter for mange feil svar.\n\nVar det deg, prøv igjen etter dette tidspunktet. En nettleser der du tidligere har fullført en gjenoppretting, kan fortsette med en gang, og brukerstøtten kan oppheve pausen.\n\nVar det ikke deg, prøver kanskje noen å komme inn på kontoen din. Ingenting er endret, og pausen beskytter deg.",
        "message.recovery_codes_issued_sms": "{tenant}: et nytt sett med {count} gjenopprettingskoder ble utstedt for kontoen din ({time}); de gamle kodene virker ikke lenger. Var det ikke deg, kontakt brukerstøtten straks.",
        "message.recovery_codes_issued_subject": "{tenant}: nye gjenopprettingskoder",
        "message.recovery_codes_issued_body": "Hei,\n\net nytt sett med {count} gjenopprettingskoder ble nettopp utstedt for kontoen din ({time}). De gamle kodene virker ikke lenger.\n\nVar det ikke deg, kontakt brukerstøtten straks, så kodene kan trekkes tilbake.\n\n{tenant}",
        "message.recovery_codes_used_sms": "{tenant}: en av gjenopprettingskodene dine ble nettopp brukt ({time}); {remaining} gjenstår. Var det ikke deg, kontakt brukerstøtten straks.",
        "message.recovery_codes_used_subject": "{tenant}: en gjenopprettingskode ble brukt",
        "message.recovery_codes_used_body": "Hei,\n\nen av gjenopprettingskodene dine ble nettopp brukt ({time}), til å logge inn eller gjenopprette kontoen. {remaining} koder gjenstår.\n\nVar det ikke deg, kan noen ha kodene dine: kontakt brukerstøtten straks, så de kan trekkes tilbake.\n\n{tenant}",
    ]
}
