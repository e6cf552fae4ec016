import Foundation

extension RecoveryService {
    /// What a transition writes besides the flow.
    struct Writes {
        var outbox: [OutboxMessage] = []
        var audit: [AuditRecord] = []
        var counters: [CounterIncrement] = []
        var queued = false
    }

    /// Turns submitted fields into the event of the current phase: the flow's own (a chosen flow), or the current
    /// step's method's, which runs its checks that need storage or slow hashing through the ``StepEnvironment``
    /// given here — the same work for decoy steps, so timing tells nothing.
    func event(for flow: RecoveryFlow, fields: [String: String], profile: RecoveryProfile, tenant: Tenant,
               config: RecoveryConfig, source: String) async throws -> FlowEvent {
        let decoy = flow.step?.decoy ?? true
        let environment = stepEnvironment(flow: flow, fields: fields, decoy: decoy, tenant: tenant, source: source)
        if flow.phase == .chooseFlow { return .chooseFlow(try environment.field("flow")) }
        guard flow.phase != .verified, flow.phase != .failed, let step = flow.step, let method = methods.method(step.type) else {
            throw LifelineError(.invalidRequest, "this flow expects no more submissions")
        }
        return .step(try await method.eventForStep(flow.phase, step: step, environment))
    }

    /// The checks a method may ask the runner for (``StepEnvironment``).
    func stepEnvironment(flow: RecoveryFlow, fields: [String: String], decoy: Bool, tenant: Tenant, source: String) -> StepEnvironment {
        StepEnvironment(fields: fields, flow: flow, decoy: decoy,
            verifyAnswers: { pairs in
                let hashes = try await storage.answerHashes(userID: decoy ? random.uuid() : (flow.userID ?? random.uuid()))
                // Every answer is hashed, right or wrong, so neither timing nor the message tells which one was wrong.
                return try await SlowHash.offloaded(pool: hashPool, refusable: true) {
                    var all = true
                    for (id, answer) in pairs {
                        let ok = hashes[id].map { SecurityAnswer.verify(answer, against: $0) } ?? SecurityAnswer.decoyVerify(answer)
                        all = all && ok
                    }
                    return all
                }
            },
            checkTOTP: { code in
                let caller = Caller(actor: "anonymous", source: source, scope: .validate)
                return try await validation.checkRecoveryTOTP(tenant: tenant, userID: flow.userID, username: flow.username, code: code, caller: caller)
            },
            resyncTOTP: { code1, code2 in try await resync(flow: flow, code1: code1, code2: code2, tenant: tenant, source: source) },
            checkCredential: { kind, input in
                let caller = Caller(actor: "anonymous", source: source, scope: .validate)
                // Why no user for a decoy step: it must never consume (or pass with) a real credential; the check then
                // does the same work on dummies. An input of no credential's shape is checked by none (and rejected).
                guard let submitted = try? Validation.validationCode(input) else { return CredentialOutcome(result: .reject, reason: "wrong code") }
                let request = CredentialCheck(subject: .flowUser(decoy ? nil : flow.userID, username: flow.username), kinds: [kind],
                                              input: submitted, guesses: .uncounted, event: "recovery.\(kind.id)")
                return try await validation.check(request, tenant: tenant, caller: caller)
            })
    }

    /// Resynchronizes the user's authenticator with two consecutive codes (the foundation's rule).
    func resync(flow: RecoveryFlow, code1: String, code2: String, tenant: Tenant, source: String) async throws -> Bool {
        let now = clock.now()
        let unix = Int64(now.timeIntervalSince1970.rounded(.down))
        let tokens = try await storage.storedTokens(userID: flow.userID ?? random.uuid()).filter { $0.token.type == .totp && $0.token.state == .active }
        for entry in tokens {
            let secret = try await vault.open(entry.secret, context: entry.token.id.uuidString)
            if let r = verifier.resync(code1: code1, code2: code2, token: entry.token, secret: secret, unixTime: unix) {
                let audit = AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: "recovery.totp_resync",
                                        outcome: "success", reason: "token \(entry.token.id.uuidString.lowercased())", source: source)
                if try await storage.resync(tokenID: entry.token.id, step: r.step, drift: r.drift, audit: audit) { return true }
            }
        }
        if tokens.isEmpty {
            // Decoy work: a resync search over the sync window on a dummy token.
            let dummy = Token(id: flow.id, tenantID: tenant.id, userID: flow.id, type: .totp, algorithm: .sha1, digits: max(code1.count, 6),
                              period: 30, createdAt: now)
            _ = verifier.resync(code1: code1, code2: code2, token: dummy, secret: Array(repeating: 0x5a, count: 20), unixTime: unix)
        }
        return false
    }

    /// Turns effects into outbox messages (sealed), audit records and counter keys.
    func perform(_ effects: [FlowEffect], flow: RecoveryFlow, profile: RecoveryProfile, tenant: Tenant, config: RecoveryConfig, usernameKey: String,
                 now: Date, source: String) async throws -> Writes {
        var w = Writes()
        let lang = flow.language
        for effect in effects {
            switch effect {
            case .send(let channel, let recipient, let code, let lifetime):
                let args = ["code": code, "minutes": String(lifetime / 60), "tenant": tenant.displayName]
                let text = messages.plural(channel == .sms ? "message.sms" : "message.email_body", lang, count: lifetime / 60, args)
                let subject = channel == .email ? messages.text("message.email_subject", lang, args) : ""
                w.outbox.append(try await message(channel: channel, recipient: recipient, subject: subject, text: text, status: .pending, tenant: tenant, now: now))
                w.queued = true
            case .pretendSend(let channel):
                // Same sealing and the same row as a real send, marked suppressed: never dispatched.
                w.outbox.append(try await message(channel: channel, recipient: "", subject: "", text: messages.plural("message.sms", lang, count: 5, ["code": "00000000", "minutes": "5"]),
                                                  status: .suppressed, tenant: tenant, now: now))
            case .countSend:
                // Checked again in the write (the machine's check read the count before the transaction).
                w.counters.append(CounterIncrement(Self.sendKey(tenant.id, usernameKey, now), limit: config.limits.sendsPerUserPerHour))
            case .wrongAnswer:
                break // the runner keeps the charged guess
            case .notifyPaused(let until):
                let args = ["tenant": tenant.displayName, "time": TimeText.format(until, config: config, language: lang)]
                // A decoy "notifies" as many contacts as it shows, with suppressed rows: the same writes as a real user's.
                let decoy = profile.isDecoy
                for phone in decoy ? profile.decoyPhones : profile.phones {
                    w.outbox.append(try await message(channel: .sms, recipient: decoy ? "" : phone, subject: "", text: messages.text("message.paused_sms", lang, args),
                                                      status: decoy ? .suppressed : .pending, tenant: tenant, now: now))
                }
                for email in decoy ? profile.decoyEmails : profile.emails {
                    w.outbox.append(try await message(channel: .email, recipient: decoy ? "" : email, subject: messages.text("message.paused_subject", lang, args),
                                                      text: messages.text("message.paused_body", lang, args), status: decoy ? .suppressed : .pending,
                                                      tenant: tenant, now: now))
                }
                w.queued = w.queued || (!decoy && !(profile.phones.isEmpty && profile.emails.isEmpty))
            case .notifyVerified:
                let args = ["tenant": tenant.displayName, "time": TimeText.format(now, config: config, language: lang)]
                for phone in profile.phones {
                    w.outbox.append(try await message(channel: .sms, recipient: phone, subject: "", text: messages.text("message.verified_sms", lang, args),
                                                      status: .pending, tenant: tenant, now: now))
                }
                for email in profile.emails {
                    w.outbox.append(try await message(channel: .email, recipient: email, subject: messages.text("message.verified_subject", lang, args),
                                                      text: messages.text("message.verified_body", lang, args), status: .pending, tenant: tenant, now: now))
                }
                w.queued = w.queued || !(profile.phones.isEmpty && profile.emails.isEmpty)
            case .audit(let event, let outcome, let reason):
                w.audit.append(AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: event,
                                           outcome: outcome, reason: reason, source: source))
            }
        }
        return w
    }

    func message(channel: MessageChannel, recipient: String, subject: String, text: String, status: OutboxStatus,
                         tenant: Tenant, now: Date) async throws -> OutboxMessage {
        var m = OutboxMessage(id: random.uuid(), tenant: tenant.name, channel: channel, recipient: recipient, subject: subject, body: nil,
                              status: status, nextAttemptAt: now, createdAt: now)
        m.body = try await vault.seal(Array(text.utf8), context: m.sealContext)
        return m
    }
}
