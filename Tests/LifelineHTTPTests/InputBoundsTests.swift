import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Outside text is bounded in bytes where it enters, before anything is stored or audited.
@Suite struct InputBoundsTests {
    /// One Character of 60 KB: "a" and 30,000 combining acute accents.
    static let hugeCharacter = "a" + String(repeating: "\u{301}", count: 30_000)

    @Test func anonymousCallersCannotWriteHugeUsernames() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let before = try await fx.runtime.store.verifyChain().count
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": Self.hugeCharacter])
                try expectError(r, .badRequest, "invalid_request")
                // Nor through the validation API, whose failures are audited with the username.
                let v = try await client.send(.post, "/api/v1/validate", key: fx.validateKey,
                                              json: ["tenant": "demo", "username": Self.hugeCharacter, "code": "123456"])
                try expectError(v, .badRequest, "invalid_request")
            }
            #expect(try await fx.runtime.store.verifyChain().count == before)
        }
    }

    @Test func flowFieldsAreBoundedInBytes() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let flow = try await client.startFlow("alice")
                let r = try await client.submit(flow, ["flow": "sms" + String(repeating: "\u{301}", count: 2_000)])
                try expectError(r, .badRequest, "invalid_request")
                #expect(String(buffer: r.body).contains("bytes"))
            }
        }
    }
}
