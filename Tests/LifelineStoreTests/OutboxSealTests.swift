import Foundation
import LifelineApp
import LifelineCore
import LifelineDelivery
@testable import LifelineStore
import SQLKit
import Testing

/// The outbox body is sealed to its row: someone who can write the database but not read the key file cannot send
/// a sealed code to another number or address by editing the row (issue 13 item 10).
@Suite("Outbox seal binds the recipient")
struct OutboxSealTests {
    typealias R = RecoveryFixture

    /// A pending message sealed the way the core seals one, to `recipient` on `channel`.
    static func sealed(_ vault: any KeyVault, channel: MessageChannel = .sms, recipient: String, text: String) async throws -> OutboxMessage {
        var m = OutboxMessage(id: UUID(), tenant: "acme", channel: channel, recipient: recipient, subject: channel == .email ? "Your code" : "",
                              body: nil, nextAttemptAt: Fixture.time(0), createdAt: Fixture.time(0))
        m.body = try await vault.seal(Array(text.utf8), context: m.sealContext)
        return m
    }

    /// One dispatcher round; returns what the (development) outbox sender received.
    static func dispatch(_ store: SQLStore, _ vault: any KeyVault) async throws -> [OutgoingMessage] {
        let sender = DevelopmentOutbox(clock: SystemClock())
        let dispatcher = try OutboxDispatcher(store: store, vault: vault, senders: [.sms: sender, .email: sender], clock: SystemClock())
        try await dispatcher.dispatchOnce()
        return await sender.recent().map(\.message)
    }

    @Test("a message whose recipient or channel was changed in the database is not sent", arguments: Backend.available)
    func redirectedMessageIsRefused(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let tenant = try await OutboxStoreTests.tenant(store)
            let kept = try await Self.sealed(db.vault, recipient: "+420777000111", text: "code 111")
            let moved = try await Self.sealed(db.vault, recipient: "+420777000222", text: "code 222")
            let rechanneled = try await Self.sealed(db.vault, recipient: "+420777000333", text: "code 333")
            try await OutboxStoreTests.queue(store, tenant, [kept, moved, rechanneled])
            // The attacker's edits: another number; the same text sent as an email to their mailbox.
            try await store.exec("UPDATE outbox SET recipient = '+420999999999' WHERE id = \(bind: Row.id(moved.id))")
            try await store.exec("UPDATE outbox SET channel = 'email', recipient = 'evil@example.org' WHERE id = \(bind: Row.id(rechanneled.id))")

            let received = try await Self.dispatch(store, db.vault)
            #expect(received.map(\.recipient) == ["+420777000111"])
            #expect(received.map(\.text) == ["code 111"])
            for id in [moved.id, rechanneled.id] {
                let row = try await OutboxStoreTests.message(store, id)
                #expect(row.status == .failed)
                #expect(row.body == nil)
                #expect(row.lastError.contains("failed authentication"))
            }
            #expect(try await OutboxStoreTests.message(store, kept.id).status == .sent)
        }
    }
}

extension OutboxSealTests {
    @Test("rows sealed before the migration are still delivered; a bound row set back to the legacy format is not",
          arguments: Backend.available)
    func legacyRowsAndNoDowngrade(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let tenant = try await OutboxStoreTests.tenant(store)
            // A row as a server before the migration wrote it: sealed under the id alone, seal_format 1 (the
            // migration's default for rows already there).
            var legacy = OutboxMessage(id: UUID(), tenant: "acme", channel: .sms, recipient: "+420777000444", subject: "", body: nil,
                                       nextAttemptAt: Fixture.time(0), createdAt: Fixture.time(0), sealFormat: .legacy)
            legacy.body = try await db.vault.seal(Array("code 444".utf8), context: "outbox:" + legacy.id.uuidString.lowercased())
            let downgraded = try await Self.sealed(db.vault, recipient: "+420777000555", text: "code 555")
            let downgradedAndMoved = try await Self.sealed(db.vault, recipient: "+420777000666", text: "code 666")
            let unknownFormat = try await Self.sealed(db.vault, recipient: "+420777000777", text: "code 777")
            try await OutboxStoreTests.queue(store, tenant, [legacy, downgraded, downgradedAndMoved, unknownFormat])
            #expect(try await store.int("SELECT seal_format AS n FROM outbox WHERE id = \(bind: Row.id(downgraded.id))") == 2)
            try await store.exec("UPDATE outbox SET seal_format = 1 WHERE id = \(bind: Row.id(downgraded.id))")
            try await store.exec("UPDATE outbox SET seal_format = 1, recipient = '+420999999999' WHERE id = \(bind: Row.id(downgradedAndMoved.id))")
            try await store.exec("UPDATE outbox SET seal_format = 99 WHERE id = \(bind: Row.id(unknownFormat.id))")

            let received = try await Self.dispatch(store, db.vault)
            #expect(Set(received.map(\.recipient)) == ["+420777000444", "+420777000777"])
            #expect(Set(received.map(\.text)) == ["code 444", "code 777"])
            for id in [downgraded.id, downgradedAndMoved.id] {
                #expect(try await OutboxStoreTests.message(store, id).status == .failed)
            }
        }
    }

    @Test("the bound context differs whenever a field that says where the text goes differs")
    func contextCoversEveryField() {
        let base = OutboxMessage(id: UUID(), tenant: "acme", channel: .email, recipient: "a@b.cz", subject: "s", body: nil,
                                 nextAttemptAt: Fixture.time(0), createdAt: Fixture.time(0))
        var variants: [OutboxMessage] = []
        var m = base; m.id = UUID(); variants.append(m)
        m = base; m.tenant = "acme2"; variants.append(m)
        m = base; m.channel = .sms; variants.append(m)
        m = base; m.recipient = "a@b.c"; variants.append(m)
        m = base; m.subject = "s2"; variants.append(m)
        // Moving text between neighbouring fields does not give the same context (fields are length-prefixed).
        m = base; m.recipient = "a@b.cz|1:s"; m.subject = ""; variants.append(m)
        m = base; m.sealFormat = .legacy; variants.append(m)
        let contexts = Set(([base] + variants).map(\.sealContext))
        #expect(contexts.count == variants.count + 1)
    }
}
