import Foundation
import LifelineCore
import LifelineDelivery
import Testing

@Suite("Development outbox")
struct DevelopmentOutboxTests {
    struct FixedClock: LifelineClock { func now() -> Date { Date(timeIntervalSince1970: 1_800_000_000) } }

    static func message(to recipient: String, _ text: String) -> OutgoingMessage {
        OutgoingMessage(id: UUID(), channel: .sms, recipient: recipient, subject: "", text: text)
    }

    @Test("newest per recipient; the oldest entries drop out past the capacity")
    func newestAndCapacity() async throws {
        let box = DevelopmentOutbox(capacity: 3, clock: FixedClock())
        for i in 1...4 { try await box.send(Self.message(to: i == 4 ? "+1" : "+\(i)", "text \(i)")) }
        #expect(await box.newest(to: "+1")?.message.text == "text 4")
        #expect(await box.newest(to: "+2")?.message.text == "text 2")
        #expect(await box.recent().map(\.message.text) == ["text 4", "text 3", "text 2"])
    }

    @Test("a long-poll is answered by the next message to its recipient, not by one to another")
    func longPollAnsweredBySend() async throws {
        let box = DevelopmentOutbox(clock: FixedClock())
        let waiter = Task { await box.next(to: "+1", after: nil, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        try await box.send(Self.message(to: "+2", "for someone else"))
        let sent = Self.message(to: "+1", "code 123456")
        try await box.send(sent)
        let got = await waiter.value
        #expect(got?.message == sent)
    }

    @Test("after= the newest message waits for the next one, and answers nil when none comes in time")
    func longPollAfterAndTimeout() async throws {
        let box = DevelopmentOutbox(clock: FixedClock())
        let first = Self.message(to: "+1", "first")
        try await box.send(first)
        // Without after= (or with another id) the newest message is answered at once.
        #expect(await box.next(to: "+1", after: nil, timeout: .seconds(30))?.message == first)
        #expect(await box.next(to: "+1", after: UUID(), timeout: .seconds(30))?.message == first)
        let start = ContinuousClock.now
        let none = await box.next(to: "+1", after: first.id, timeout: .milliseconds(200))
        #expect(none == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(await box.next(to: "+9", after: nil, timeout: .zero) == nil)
        // A waiter that timed out is gone: the next message goes to the next waiter only.
        let waiter = Task { await box.next(to: "+1", after: first.id, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        let second = Self.message(to: "+1", "second")
        try await box.send(second)
        #expect(await waiter.value?.message == second)
    }
}
