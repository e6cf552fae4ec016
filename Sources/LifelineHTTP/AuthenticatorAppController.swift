import Foundation
import HTTPTypes
import Hummingbird
import LifelineAuthenticatorKit
import LifelineCore
import NIOCore

/// The Lifeline Authenticator app's API (`/api/v1/authenticator/*`, issue 16). No API key: the caller is the app, and
/// each request but `/challenge` is signed by its device key (``AuthenticatorSignature``) over the exact body bytes,
/// which name a fresh single-use challenge (or, for `/activate`, the activation code). This adapter only carries the
/// path, the body bytes and the signature header to ``AuthenticatorService``, which checks all three.
struct AuthenticatorAppController {
    let authenticator: AuthenticatorService

    /// Why a plain decoder and encoder, not ``JSON``'s: the wire types spell their snake_case keys themselves
    /// (``AuthenticatorWire``), and the app decodes the answer with the same types.
    static let decoder = JSONDecoder()
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("/challenge") { request, _ in
            var request = request
            let body = try await request.readBody(upTo: JSON.maxBodySize)
            let input: AuthenticatorWire.ChallengeRequest
            do { input = try Self.decoder.decode(AuthenticatorWire.ChallengeRequest.self, from: Data(buffer: body)) } catch {
                throw APIError(.badRequest, "invalid_request", "the body must be {\"device_id\": \"…\"}")
            }
            return try Self.response(try await authenticator.challenge(input))
        }
        signed(group, "activate") { try await authenticator.activate($0, source: $1) }
        signed(group, "code") { try await authenticator.onlineCode($0, source: $1) }
        signed(group, "unblock") { try await authenticator.unblock($0, source: $1) }
        signed(group, "pin") { try await authenticator.resetPIN($0, source: $1) }
        signed(group, "status") { try await authenticator.status($0, source: $1) }
    }

    /// `POST /<name>`: the exact body bytes and the signature header to `handle`, its answer as JSON.
    private func signed<Out: Encodable & Sendable>(_ group: RouterGroup<AppRequestContext>, _ name: String,
                                                   _ handle: @escaping @Sendable (SignedAppRequest, String) async throws -> Out) {
        let path = AuthenticatorWire.pathPrefix + "/" + name
        group.post(RouterPath(stringLiteral: "/" + name)) { request, context in
            var request = request
            let body = try await request.readBody(upTo: JSON.maxBodySize)
            let signature = try Self.signature(request)
            // Why the canonical path and not the request's: the app signs the route's path; a request that reached this
            // route by another spelling (a trailing slash, percent-encoding) must not need a different signature.
            let signed = SignedAppRequest(path: path, body: Array(buffer: body), signature: signature)
            return try Self.response(try await handle(signed, context.sourceAddress))
        }
    }

    /// The `Lifeline-Signature` header's bytes. Why 401 and not 400 when it is missing or not base64: the request is
    /// not authenticated, which is the same answer as a wrong signature (one message, nothing learnt).
    static func signature(_ request: Request) throws -> [UInt8] {
        guard let name = HTTPField.Name(AuthenticatorWire.signatureHeader), let text = request.headers[name],
              !text.isEmpty, text.utf8.count <= 512, let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)) else {
            throw APIError(.unauthorized, "unauthorized", "the request must be signed by the device key (\(AuthenticatorWire.signatureHeader))")
        }
        return Array(bytes)
    }

    static func response(_ value: some Encodable) throws -> Response {
        let bytes = try encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
