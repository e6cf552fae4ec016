import LifelineCore
import Testing

@Suite struct KeyRingTests {
    static let k1 = [UInt8](repeating: 1, count: 32)
    static let k2 = [UInt8](repeating: 2, count: 32)

    @Test func sealAndOpenRoundTrip() throws {
        let ring = try KeyRing(currentID: "a", keys: ["a": Self.k1])
        let sealed = try ring.seal([9, 8, 7], context: "token-1")
        #expect(sealed.keyID == "a")
        #expect(try ring.open(sealed, context: "token-1") == [9, 8, 7])
        #expect(SealedSecret(text: sealed.text) == sealed)
        // The plaintext does not appear in the box.
        #expect(!sealed.box.starts(with: [9, 8, 7]))
    }

    @Test func wrongContextFails() throws {
        let ring = try KeyRing(currentID: "a", keys: ["a": Self.k1])
        let sealed = try ring.seal([1, 2, 3], context: "token-1")
        #expect(throws: LifelineError.self) { try ring.open(sealed, context: "token-2") }
    }

    @Test func tamperedBoxFails() throws {
        let ring = try KeyRing(currentID: "a", keys: ["a": Self.k1])
        var sealed = try ring.seal([1, 2, 3], context: "c")
        sealed.box[sealed.box.count - 1] ^= 1
        #expect(throws: LifelineError.self) { try ring.open(sealed, context: "c") }
    }

    @Test func oldKeysStillDecrypt() throws {
        let old = try KeyRing(currentID: "a", keys: ["a": Self.k1])
        let sealed = try old.seal([5], context: "c")
        let rotated = try KeyRing(currentID: "b", keys: ["a": Self.k1, "b": Self.k2])
        #expect(try rotated.open(sealed, context: "c") == [5])
        #expect(try rotated.seal([5], context: "c").keyID == "b")
        let unknown = try KeyRing(currentID: "b", keys: ["b": Self.k2])
        do {
            _ = try unknown.open(sealed, context: "c")
            Issue.record("expected unknownKey")
        } catch {
            #expect(error.code == .unknownKey)
        }
    }

    @Test func badKeysAreRefused() {
        #expect(throws: LifelineError.self) { try KeyRing(currentID: "a", keys: ["a": [1, 2]]) }
        #expect(throws: LifelineError.self) { try KeyRing(currentID: "x", keys: ["a": Self.k1]) }
    }
}
