import Crypto
import Foundation

/// A laptop agent's logic (issue 17): online authentication through the agent API, which downloads the user's offline
/// data for this machine; refills; offline verification with ``OfflineVerifier`` while the server is unreachable.
///
/// What wipes stored data, and why:
/// - a `reject` answer leaves it alone (a typo online must not cost the user their offline days);
/// - a `revoked` answer to a refill wipes that user's data (the server ended it: policy, token or PIN changed);
/// - an HTTP 401 wipes every user's data downloaded with that agent key (the key was revoked: the whole machine is no
///   longer trusted); data downloaded with another key (a mistyped key, say) stays;
/// - the local failure cap wipes the user's data (``OfflineVerifier``).
public actor AgentClient {
    let store: any AgentStateStore
    let transport: any HTTPTransport
    let server: String?
    let key: String?

    /// A client keeping its state in `store`, talking to `server` (base URL) with the agent's API `key` through
    /// `transport`. `server` and `key` are needed by the online calls only.
    public init(store: any AgentStateStore, server: String? = nil, key: String? = nil, transport: any HTTPTransport = URLSessionTransport()) {
        self.store = store; self.server = server; self.key = key; self.transport = transport
    }

    /// The saved state (empty when none).
    public func state() throws -> AgentState { try store.load() ?? AgentState() }

    /// A short fingerprint of an agent key (hex of the first 8 bytes of its SHA-256), stored with the data it
    /// downloaded; it tells nothing usable about the key.
    public static func keyID(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Online

    /// Authenticates `user` online at `machine` with `passcode`. On `accept` with offline data, stores it (replacing the
    /// user's earlier data). Returns the server's answer (`accept` or `reject`); throws on 401 (after wiping the key's
    /// data), other HTTP errors, transport errors and malformed answers.
    public func authenticate(user: String, passcode: String, machine: String, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> OfflineWire.AuthenticateResponse {
        let body = OfflineWire.AuthenticateRequest(user: user, passcode: passcode, machine: machine)
        let answer = try await post("/authenticate", body)
        switch answer.result {
        case "accept":
            if let data = answer.offline {
                try Self.check(data, user: user, refillToken: answer.refillToken)
                let entry = AgentUserState(data: data, refillToken: answer.refillToken, keyID: key.map(Self.keyID), server: server, storedAt: now)
                try store.update { $0.users[AgentState.key(tenant: data.tenant, user: data.user)] = entry }
            }
        case "reject": break
        default: throw AgentClientError.badResponse("result '\(answer.result)' to authenticate")
        }
        return answer
    }

    /// Refills `user`'s offline data with its refill token (`machine`: the data's machine unless given). `refilled`:
    /// the new data and token replace the old (the last accepted step and failures are kept); `revoked`: the user's
    /// data is wiped. Returns the answer.
    public func refill(user: String, machine: String? = nil, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> OfflineWire.AuthenticateResponse {
        let state = try self.state()
        guard let k = try state.key(for: user), let entry = state.users[k] else { throw AgentClientError.noData(user) }
        guard let token = entry.refillToken else { throw AgentClientError.noData(user) }
        let body = OfflineWire.RefillRequest(user: entry.data.user, machine: machine ?? entry.data.machine, refillToken: token)
        let answer = try await post("/refill", body)
        switch answer.result {
        case "refilled":
            guard let data = answer.offline, answer.refillToken != nil else { throw AgentClientError.badResponse("refilled without data and token") }
            try Self.check(data, user: entry.data.user, refillToken: answer.refillToken)
            try store.update { state in
                var next = AgentUserState(data: data, refillToken: answer.refillToken, keyID: key.map(Self.keyID), server: server, storedAt: now)
                // Why keep them: a step used before the refill must stay used, and failures stay counted.
                if let old = state.users[k] { next.lastStep = max(next.lastStep, old.lastStep); next.failures = old.failures }
                state.users[k] = nil
                state.users[AgentState.key(tenant: data.tenant, user: data.user)] = next
            }
        case "revoked":
            // Why wipe: the server ended this data (policy, token or PIN changed, revoked); it must not verify again.
            try store.update { $0.users[k] = nil }
        default: throw AgentClientError.badResponse("result '\(answer.result)' to refill")
        }
        return answer
    }

    // MARK: - Offline

    /// Verifies `passcode` for `user` (bare username or `tenant/user`) offline at Unix time `now`, and saves the new
    /// counters (or wipes the data at the failure cap). Throws ``AgentClientError/noData(_:)`` when nothing is held.
    public func verify(user: String, passcode: String, now: Int64) throws -> OfflineVerification {
        try store.update { state in
            guard let k = try state.key(for: user), let entry = state.users[k] else { throw AgentClientError.noData(user) }
            let (outcome, next) = OfflineVerifier.verify(entry, passcode: passcode, now: now)
            state.users[k] = next
            return outcome
        }
    }

    /// Wipes `user`'s offline data; whether there was any.
    public func wipe(user: String) throws -> Bool {
        try store.update { state in
            guard let k = try state.key(for: user) else { return false }
            state.users[k] = nil
            return true
        }
    }

    // MARK: - HTTP

    private func post<Body: Encodable>(_ route: String, _ body: Body) async throws -> OfflineWire.AuthenticateResponse {
        guard let server else { throw AgentClientError.noServer }
        guard let key, !key.isEmpty else { throw AgentClientError.noKey }
        let base: URL
        do { base = try ServerAddress.checked(server) } catch { throw AgentClientError.insecureServer(server) }
        guard let url = URL(string: base.absoluteString + OfflineWire.pathPrefix + route) else { throw AgentClientError.insecureServer(server) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let request = TransportRequest(url: url, method: "POST", headers: [
            "Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer \(key)",
        ], body: try encoder.encode(body))
        let response: TransportResponse
        do { response = try await transport.send(request) } catch let e as AuthenticatorClientError {
            if case .transport(let m) = e { throw AgentClientError.transport(m) }
            throw AgentClientError.transport(e.description)
        } catch { throw AgentClientError.transport("\(error)") }
        if response.status == 401 {
            // Why wipe everything this key downloaded: a 401 means the server no longer knows the key (the agent was
            // revoked), so none of its machine's data may keep verifying.
            let id = Self.keyID(key)
            try store.update { state in state.users = state.users.filter { $0.value.keyID != id } }
            throw AgentClientError.agentRevoked
        }
        guard (200..<300).contains(response.status) else {
            let e = try? JSONDecoder().decode(ErrorBody.self, from: response.body)
            throw AgentClientError.server(status: response.status, code: e?.error ?? "http_\(response.status)", message: e?.message ?? "no error description")
        }
        guard let answer = try? JSONDecoder().decode(OfflineWire.AuthenticateResponse.self, from: response.body) else {
            throw AgentClientError.badResponse("not an agent answer")
        }
        return answer
    }

    /// An HTTP error's body: `{"error": code, "message": text}`.
    struct ErrorBody: Decodable { var error: String; var message: String? }

    /// Refuses data the verifier could not use (why: storing it would make every later offline login fail, or count
    /// failures, for a reason the user cannot see).
    static func check(_ data: OfflineData, user: String, refillToken: String?) throws {
        guard data.version == OfflineConstruction.version else { throw AgentClientError.badResponse("offline data version \(data.version)") }
        guard data.user.lowercased() == user.lowercased() else { throw AgentClientError.badResponse("offline data of another user") }
        guard data.period > 0, (1...16).contains(data.digits), data.steps > 0, (0...24).contains(data.hiddenBits), data.maxFailures > 0,
              Data(base64Encoded: data.salt)?.count == OfflineConstruction.saltBytes,
              Data(base64Encoded: data.tags)?.count == data.steps * OfflineConstruction.tagBytes else {
            throw AgentClientError.badResponse("malformed offline data")
        }
    }
}
