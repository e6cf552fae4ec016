extension MessageCatalog {
    /// The messages in English.
    static let en: [String: String] = [
        "message.sms": "{tenant}: your recovery code is {code}. It expires in {minutes} minutes. Never share it; we will never ask for it.",
        "message.email_subject": "{tenant}: your recovery code",
        "message.email_body": "Hello,\n\nyour recovery code is {code}. It expires in {minutes} minutes.\n\nIf you did not ask for it, someone may be trying to get into your account: tell your helpdesk.\n\n{tenant}",
        "message.verified_sms": "{tenant}: your identity was just verified for account recovery ({time}). If this was not you, contact your helpdesk now.",
        "message.verified_subject": "{tenant}: your identity was verified for account recovery",
        "message.verified_body": "Hello,\n\nyour identity was just verified for account recovery ({time}).\n\nIf this was not you, someone may be trying to take over your account: contact your helpdesk now.\n\n{tenant}",
        "message.action_sms": "{tenant}: {action} was done for your account ({time}). If this was not you, contact your helpdesk now.",
        "message.action_subject": "{tenant}: {action}",
        "message.action_body.password_reset": "Hello,\n\nthe password of your account was just changed through account recovery ({time}).\n\nIf this was not you, someone may have taken over your account: contact your helpdesk now.\n\n{tenant}",
        "message.action_body.unlocked": "Hello,\n\nyour account was just unlocked through account recovery ({time}).\n\nIf this was not you, contact your helpdesk now.\n\n{tenant}",
        "message.action_body.authenticator_unlocked": "Hello,\n\nyour authenticator was just unlocked through account recovery ({time}).\n\nIf this was not you, contact your helpdesk now.\n\n{tenant}",
        "message.action_body.card_unblock": "Hello,\n\nan unblock code for your smart card was just issued through account recovery ({time}).\n\nIf this was not you, contact your helpdesk now: your card may be in someone else's hands.\n\n{tenant}",
        "message.action_body.emergency_code": "Hello,\n\nan emergency access code for your account was just issued through account recovery ({time}). It replaces your one-time password for a limited time.\n\nIf this was not you, contact your helpdesk now so it can be revoked.\n\n{tenant}",
        "message.paused_sms": "{tenant}: account recovery for your account is paused until {time} after too many wrong answers. If this was not you, nothing has changed; a browser where you recovered before can still continue, or ask your helpdesk.",
        "message.paused_subject": "{tenant}: account recovery paused",
        "message.paused_body": "Account recovery for your account is paused until {time} after too many wrong answers.\n\nIf this was you, try again after that time. A browser in which you completed a recovery before can continue at once, and your helpdesk can lift the pause.\n\nIf this was not you, someone may be trying to get into your account. Nothing has been changed, and the pause protects you.",
        "message.recovery_codes_issued_sms": "{tenant}: a new set of {count} recovery codes was issued for your account ({time}); your old codes no longer work. If this was not you, contact your helpdesk now.",
        "message.recovery_codes_issued_subject": "{tenant}: new recovery codes",
        "message.recovery_codes_issued_body": "Hello,\n\na new set of {count} recovery codes was just issued for your account ({time}). Your old codes no longer work.\n\nIf this was not you, contact your helpdesk now so the codes can be revoked.\n\n{tenant}",
        "message.recovery_codes_used_sms": "{tenant}: one of your recovery codes was just used ({time}); {remaining} remain. If this was not you, contact your helpdesk now.",
        "message.recovery_codes_used_subject": "{tenant}: a recovery code was used",
        "message.recovery_codes_used_body": "Hello,\n\none of your recovery codes was just used ({time}), to sign in or to recover your account. {remaining} codes remain.\n\nIf this was not you, someone may have your codes: contact your helpdesk now so they can be revoked.\n\n{tenant}",
    ]
}
