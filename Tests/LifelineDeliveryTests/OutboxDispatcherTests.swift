import Foundation
import LifelineCore
import LifelineDelivery
import LifelineTestStore
import ServiceLifecycleTestKit
import Synchronization
import Testing

/// OutboxDispatcher with an in-memory outbox, the real AES-GCM key ring and the real SMS sender against the
/// SMS receiver peer.
@Suite struct OutboxDispatcherTests {
    static let text = "Váš kód: 731 904"

    func smsConfig(_ peer: PeerProcess) -> SMSGatewayConfiguration {
        SMSGatewayConfiguration(url: "http://127.0.0.1:\(peer.port)/sms", encoding: .json,
                                fields: ["to": "{{to}}", "text": "{{text}}"], timeout: .seconds(60))
    }

    func dispatcher(_ store: InMemoryOutboxStore, _ vault: FixedKeyVault, _ sender: (any MessageSender)?,
                    clock: any LifelineClock, maxAttempts: Int = 5, poll: Duration = .milliseconds(250)) throws -> OutboxDispatcher {
        let retry = RetryPolicy(baseDelay: .seconds(10), maxDelay: .seconds(25), maxAttempts: maxAttempts, jitter: 0)
        return try OutboxDispatcher(store: store, vault: vault, senders: sender.map { [.sms: $0] } ?? [:], clock: clock,
                                    configuration: OutboxDispatcherConfiguration(pollInterval: poll, lease: .seconds(120),
                                                                                 sendTimeout: .seconds(30), retry: retry))
    }

    func texts(_ peer: PeerProcess) throws -> [String] {
        try peer.records(ReceivedRequest.self).map {
            try JSONDecoder().decode([String: String].self, from: Data($0.body.utf8))["text"] ?? ""
        }
    }

    @Test func sendsAMessageAndWipesItsBody() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let id = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: Self.text, vault: vault, due: clock.now())
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            let claimed = try await dispatcher(store, vault, sender, clock: clock).dispatchOnce()
            #expect(claimed == 1)
        }
        #expect(try texts(peer) == [Self.text])
        let stored = try #require(await store.message(id))
        #expect(stored.status == .sent)
        #expect(stored.body == nil)
        #expect(stored.sentAt == clock.now())
    }

    @Test func retriesWithExponentialBackoffThenSends() async throws {
        let peer = try await SMSPeer.start(failCount: 2, failStatus: 503)
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let t0 = clock.now()
        let id = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: Self.text, vault: vault, due: t0)
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            let d = try dispatcher(store, vault, sender, clock: clock)
            #expect(try await d.dispatchOnce() == 1)                  // attempt 1 fails: retry after 10 s
            var stored = try #require(await store.message(id))
            #expect(stored.status == .pending && stored.attempts == 1)
            #expect(stored.nextAttemptAt == t0 + 10)
            #expect(stored.lastError == "SMS gateway answered HTTP 503")
            clock.advance(by: 9.9)
            #expect(try await d.dispatchOnce() == 0)                  // not due yet
            clock.advance(by: 0.1)
            #expect(try await d.dispatchOnce() == 1)                  // attempt 2 fails: retry after 20 s
            stored = try #require(await store.message(id))
            #expect(stored.nextAttemptAt == t0 + 30)
            clock.advance(by: 19)
            #expect(try await d.dispatchOnce() == 0)
            clock.advance(by: 1)
            #expect(try await d.dispatchOnce() == 1)                  // attempt 3 succeeds
        }
        let stored = try #require(await store.message(id))
        #expect(stored.status == .sent && stored.attempts == 3)
        #expect(try texts(peer) == [Self.text, Self.text, Self.text])
    }

    @Test func backoffIsCappedAndAttemptsAreLimited() {
        let policy = RetryPolicy(baseDelay: .seconds(10), maxDelay: .seconds(25), maxAttempts: 4, jitter: 0)
        let now = Date(timeIntervalSince1970: 0)
        #expect(policy.nextAttempt(after: 1, now: now) == now + 10)
        #expect(policy.nextAttempt(after: 2, now: now) == now + 20)
        #expect(policy.nextAttempt(after: 3, now: now) == now + 25)
        #expect(policy.nextAttempt(after: 4, now: now) == nil)
        let jittered = RetryPolicy(baseDelay: .seconds(10), jitter: 0.5)
        for _ in 0..<20 {
            let delay = jittered.nextAttempt(after: 1, now: now)!.timeIntervalSince(now)
            #expect(delay > 5 && delay <= 10)
        }
    }

    @Test func aPermanentErrorFailsAtOnce() async throws {
        let peer = try await SMSPeer.start(failCount: 1, failStatus: 400)
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let id = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: Self.text, vault: vault, due: clock.now())
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            let d = try dispatcher(store, vault, sender, clock: clock)
            #expect(try await d.dispatchOnce() == 1)
            clock.advance(by: 3600)
            #expect(try await d.dispatchOnce() == 0)
        }
        let stored = try #require(await store.message(id))
        #expect(stored.status == .failed && stored.attempts == 1)
        #expect(stored.lastError == "SMS gateway answered HTTP 400")
        #expect(try peer.records(ReceivedRequest.self).count == 1)
    }

    @Test func tooManyTransientFailuresFail() async throws {
        let peer = try await SMSPeer.start(failCount: 10, failStatus: 500)
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let id = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: Self.text, vault: vault, due: clock.now())
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            let d = try dispatcher(store, vault, sender, clock: clock, maxAttempts: 2)
            #expect(try await d.dispatchOnce() == 1)
            clock.advance(by: 10)
            #expect(try await d.dispatchOnce() == 1)
            clock.advance(by: 3600)
            #expect(try await d.dispatchOnce() == 0)
        }
        let stored = try #require(await store.message(id))
        #expect(stored.status == .failed && stored.attempts == 2)
        #expect(try peer.records(ReceivedRequest.self).count == 2)
    }

    @Test func aChannelWithoutSenderAndATamperedBodyFailPermanently() async throws {
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let noSender = try await store.enqueue(channel: .email, recipient: "a@b.cz", subject: "s", text: "x", vault: vault, due: clock.now())
        // Sealed for another row: AES-GCM authentication fails with this message's context.
        let moved = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: "x", vault: vault,
                                            due: clock.now(), sealContext: "outbox:someone-else")
        let sender = RecordingSender()
        #expect(try await dispatcher(store, vault, sender, clock: clock).dispatchOnce() == 2)
        let a = try #require(await store.message(noSender)), b = try #require(await store.message(moved))
        #expect(a.status == .failed && a.lastError == "no sender is configured for channel email")
        #expect(b.status == .failed && b.lastError == "the message body failed authentication")
        #expect(sender.sent.isEmpty)
    }

    @Test func aClaimOfACrashedDispatcherIsSentExactlyOnceAfterItsLease() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        let id = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: Self.text, vault: vault, due: clock.now())
        // A dispatcher claims the message and dies before sending or recording anything.
        let crashed = try await store.claim(now: clock.now(), lease: 120, limit: 10)
        #expect(crashed.map(\.id) == [id])
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            let (a, b) = (try dispatcher(store, vault, sender, clock: clock), try dispatcher(store, vault, sender, clock: clock))
            clock.advance(by: 119)
            #expect(try await a.dispatchOnce() == 0)                  // the lease still holds
            clock.advance(by: 1)
            // Two new dispatchers race for the expired claim: exactly one gets it.
            async let first = a.dispatchOnce()
            async let second = b.dispatchOnce()
            #expect(try await first + second == 1)
            clock.advance(by: 3600)
            #expect(try await a.dispatchOnce() + b.dispatchOnce() == 0)
        }
        #expect(try texts(peer) == [Self.text])
        let stored = try #require(await store.message(id))
        #expect(stored.status == .sent && stored.attempts == 2)
    }

    @Test func runSendsPromptlyOnWakeAndStopsOnGracefulShutdown() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), WallClock())
        try await SMSPeer.withSender(smsConfig(peer)) { sender in
            // A poll interval far longer than the test: only wake() can make it send in time.
            let d = try dispatcher(store, vault, sender, clock: clock, poll: .seconds(3600))
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await d.run() }
                    try await waitUntil { await store.claimCalls >= 1 }     // the first poll has happened
                    for i in 0..<3 {
                        try await store.enqueue(channel: .sms, recipient: "+42060123456\(i)", text: "\(Self.text) #\(i)",
                                                vault: vault, due: clock.now())
                    }
                    d.wake()
                    try await waitUntil { (try? peer.records(ReceivedRequest.self).count) == 3 }
                    try await waitUntil { try await store.recentMessages(limit: 10).allSatisfy { $0.status == .sent } }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()                           // run() returns
                }
            }
        }
        #expect(Set(try texts(peer)) == Set((0..<3).map { "\(Self.text) #\($0)" }))
    }

    /// Polls `condition` every 20 ms for up to 60 s (a minute: CI runs every suite at once on 2 cores).
    func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 60 s")
        throw PeerError(description: "timed out")
    }
}

/// A sender that only records (for tests where no message may reach a provider).
final class RecordingSender: MessageSender {
    private let box = Mutex<[OutgoingMessage]>([])
    var sent: [OutgoingMessage] { box.withLock { $0 } }
    func send(_ message: OutgoingMessage) async throws { box.withLock { $0.append(message) } }
}
