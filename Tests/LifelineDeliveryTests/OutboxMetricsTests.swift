import Foundation
import LifelineCore
import LifelineDelivery
import LifelineTestStore
import Synchronization
import Testing

/// The dispatcher tells its ``OperationsObserver`` each attempt's outcome per channel (issue 15: messages sent and
/// failed per channel), which the composition root counts as `lifeline_messages_total{channel,result}`.
@Suite struct OutboxMetricsTests {
    /// Sends SMS, refuses email for good on its first message and transiently on its second.
    final class Sender: MessageSender {
        let emails = Mutex(0)
        func send(_ message: OutgoingMessage) async throws {
            guard message.channel == .email else { return }
            let n = emails.withLock { $0 += 1; return $0 }
            throw DeliveryError(permanent: n == 1, "refused")
        }
    }

    final class Recorder: OperationsObserver {
        let events = Mutex<[OperationalEvent]>([])
        func observe(_ event: OperationalEvent) { events.withLock { $0.append(event) } }
    }

    @Test func eachAttemptIsReportedPerChannel() async throws {
        let (store, vault, clock) = (InMemoryOutboxStore(), try FixedKeyVault(), ManualClock())
        _ = try await store.enqueue(channel: .sms, recipient: "+420601234567", text: "a", vault: vault, due: clock.now())
        _ = try await store.enqueue(channel: .email, recipient: "a@example.org", text: "b", vault: vault, due: clock.now())
        _ = try await store.enqueue(channel: .email, recipient: "b@example.org", text: "c", vault: vault, due: clock.now())
        let recorder = Recorder()
        let sender = Sender()
        let d = try OutboxDispatcher(store: store, vault: vault, senders: [.sms: sender, .email: sender], clock: clock, observer: recorder)
        #expect(try await d.dispatchOnce() == 3)
        let events = recorder.events.withLock { $0 }
        #expect(events.filter { $0 == .message(.sms, .sent) }.count == 1)
        #expect(events.filter { $0 == .message(.email, .failed) }.count == 1)
        #expect(events.filter { $0 == .message(.email, .retry) }.count == 1)
        #expect(events.count == 3)
    }
}
