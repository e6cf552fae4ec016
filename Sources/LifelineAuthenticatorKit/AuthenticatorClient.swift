import Crypto
import Foundation

/// An online code the server issued: 8 digits, single use, valid `expiresIn` seconds at the organization's login.
public struct OnlineCode: Sendable, Equatable {
    /// 8 digits.
    public var code: String
    /// Seconds the code stays valid (120).
    public var expiresIn: Int
    /// A code.
    public init(code: String, expiresIn: Int) { self.code = code; self.expiresIn = expiresIn }
}

/// The Lifeline Authenticator app's logic: activation, online and offline codes, unblocking, the operator-assisted
/// PIN reset, status. The PIN is an argument of each call and is never stored or sent: requests carry its verifier
/// (``AuthenticatorCode/pinVerifier(pinKey:pin:)``).
///
/// Every request but `/activate` and `/challenge` is signed by the device key over a fresh server challenge (one
/// `POST /challenge` first), so a captured request cannot be replayed. An actor, so that two calls of one app do not
/// interleave their state updates.
public actor AuthenticatorClient {
    let store: any AuthenticatorStateStore
    let transport: any HTTPTransport
    let keys: DeviceKeyFactory

    /// A client keeping its state in `store`, talking through `transport`, with device keys from `keys`.
    public init(store: any AuthenticatorStateStore, transport: any HTTPTransport = URLSessionTransport(), keys: DeviceKeyFactory = .software) {
        self.store = store; self.transport = transport; self.keys = keys
    }

    /// The saved state (empty before the first activation).
    public func state() throws -> AuthenticatorState { try store.load() ?? AuthenticatorState() }

    // MARK: - Activation

    /// Activates the app at the organization of an activation URI and returns the organization.
    ///
    /// A new app makes its device key and `pinKey` (32 CSPRNG bytes) and sets `pin` (refused locally when weak). An app
    /// already activated adds the organization: it signs with the same device key, sends its device id and proves `pin`
    /// (a wrong PIN counts as a failed PIN at the server); its `pinKey` is not sent again.
    public func activate(uri text: String, pin: String, name: String, model: String) async throws -> StoredOrganization {
        guard let uri = ActivationURI(text) else { throw AuthenticatorClientError.badURI }
        let server = try ServerAddress.checked(uri.server)
        guard AuthenticatorPIN.isWellFormed(pin) else { throw AuthenticatorClientError.illFormedPIN }
        var state = try self.state()
        let key: any DeviceKey, pinKey: [UInt8], deviceID: String?
        if state.isActivated, let stored = state.deviceKey, let storedPINKey = state.pinKey {
            if let s = state.server, s != server.absoluteString { throw AuthenticatorClientError.otherServer(s) }
            key = try keys.restore(Array(stored)); pinKey = Array(storedPINKey); deviceID = state.deviceID
        } else {
            // Why refuse before any request: the activation code is single use, and a weak PIN is the first a thief tries.
            guard !AuthenticatorPIN.isWeak(pin) else { throw AuthenticatorClientError.weakPIN }
            key = try keys.make()
            pinKey = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            deviceID = nil
        }
        let request = AuthenticatorWire.ActivateRequest(
            code: uri.code, publicKey: Data(key.publicKeyX963).base64EncodedString(), name: String(name.prefix(64)),
            model: String(model.prefix(64)), deviceID: deviceID, pinKey: deviceID == nil ? Data(pinKey).base64EncodedString() : nil,
            pinLength: pin.utf8.count, pinVerifier: Data(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin)).base64EncodedString())
        let response = try await post(server, "/activate", body: try Self.encode(request), key: key)
        guard (200..<300).contains(response.status) else { throw Self.refusal(response) }
        guard let answer = try? JSONDecoder().decode(AuthenticatorWire.ActivateResponse.self, from: response.body) else {
            if let refused = try? JSONDecoder().decode(AuthenticatorWire.Answer.self, from: response.body), refused.result != .ok {
                throw AuthenticatorClientError.refused(refused)
            }
            throw AuthenticatorClientError.badResponse("not an activation answer")
        }
        guard let orgKey = Data(base64Encoded: answer.orgKey), orgKey.count == 32 else {
            throw AuthenticatorClientError.badResponse("the organization key is not 32 bytes")
        }
        if let deviceID, deviceID != answer.deviceID { throw AuthenticatorClientError.badResponse("another device id") }
        state.deviceID = answer.deviceID
        state.deviceKey = Data(key.persistentRepresentation)
        state.pinKey = Data(pinKey)
        state.server = server.absoluteString
        state.clockOffset = Self.offset(server: answer.serverTime, local: Date())
        let organization = StoredOrganization(tenant: answer.tenant, tenantID: answer.tenantID, username: answer.username, orgKey: orgKey, state: "active")
        state.organizations.removeAll { $0.tenantID.lowercased() == answer.tenantID.lowercased() }
        state.organizations.append(organization)
        try store.save(state)
        return organization
    }

    // MARK: - Codes

    /// Asks the server for an online code of `organization` (tenant name or id); throws
    /// ``AuthenticatorClientError/refused(_:)`` with the server's answer (wrong PIN, blocked, deactivated).
    public func code(organization name: String, pin: String) async throws -> OnlineCode {
        guard AuthenticatorPIN.isWellFormed(pin) else { throw AuthenticatorClientError.illFormedPIN }
        let (state, organization) = try activated(name)
        let verifier = AuthenticatorCode.pinVerifier(pinKey: Array(state.pinKey!), pin: pin)
        let answer = try await signed("/code", organization: organization) { deviceID, challenge in
            AuthenticatorWire.CodeRequest(deviceID: deviceID, challenge: challenge, tenant: organization.tenant, pinVerifier: Data(verifier).base64EncodedString())
        }
        guard answer.result == .ok else { throw AuthenticatorClientError.refused(answer) }
        guard let code = answer.code, code.utf8.count == AuthenticatorCode.codeDigits, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw AuthenticatorClientError.badResponse("no 8-digit code")
        }
        return OnlineCode(code: code, expiresIn: answer.expiresIn ?? 120)
    }

    /// The offline code of `organization` at `now` (device clock; the server's offset measured online is applied): 8
    /// digits, new every 30 s. A wrong PIN gives a wrong code, which the server counts as a wrong PIN.
    public func offlineCode(organization name: String, pin: String, now: Date = Date()) throws -> String {
        guard AuthenticatorPIN.isWellFormed(pin) else { throw AuthenticatorClientError.illFormedPIN }
        let (state, organization) = try activated(name)
        let verifier = AuthenticatorCode.pinVerifier(pinKey: Array(state.pinKey!), pin: pin)
        return AuthenticatorCode.offlineCode(orgKey: Array(organization.orgKey), pinVerifier: verifier, step: step(now, state))
    }

    // MARK: - Unblocking

    /// Unblocks `organization` online with its UBC and sets `newPIN` (for all organizations of the app); the others
    /// stay blocked until each is unblocked with its own UBC. Throws ``AuthenticatorClientError/refused(_:)`` on
    /// `wrong_ubc`, `ubc_blocked`, `no_ubc`, `weak_pin`, `deactivated`.
    public func unblock(organization name: String, ubc: String, newPIN: String) async throws -> AuthenticatorWire.Answer {
        try checkNew(newPIN); try checkUBC(ubc)
        let (state, organization) = try activated(name)
        let verifier = AuthenticatorCode.pinVerifier(pinKey: Array(state.pinKey!), pin: newPIN)
        let answer = try await signed("/unblock", organization: organization) { deviceID, challenge in
            AuthenticatorWire.UnblockRequest(deviceID: deviceID, challenge: challenge, tenant: organization.tenant, ubc: ubc,
                                             pinLength: newPIN.utf8.count, pinVerifier: Data(verifier).base64EncodedString())
        }
        guard answer.result == .ok else { throw AuthenticatorClientError.refused(answer) }
        return answer
    }

    /// The 9-digit (for a 4-digit PIN; n + 5 digits for n) offline unblock code of `organization` at `now`: the user
    /// types it with their username at the organization's login, which authenticates them once and sets `newPIN`.
    public func offlineUnblockCode(organization name: String, ubc: String, newPIN: String, now: Date = Date()) throws -> String {
        try checkNew(newPIN); try checkUBC(ubc)
        let (state, organization) = try activated(name)
        guard let code = AuthenticatorCode.unblockCode(orgKey: Array(organization.orgKey), organization: organization.tenantID.lowercased(),
                                                       ubc: ubc, newPIN: newPIN, step: step(now, state)) else {
            throw AuthenticatorClientError.illFormedPIN
        }
        return code
    }

    /// Sets `newPIN` while an operator of `organization` holds "Reset PIN with the user present" open (seed 004);
    /// throws ``AuthenticatorClientError/refused(_:)`` with `no_pin_reset` when none is open.
    public func resetPIN(organization name: String, newPIN: String) async throws -> AuthenticatorWire.Answer {
        try checkNew(newPIN)
        let (state, organization) = try activated(name)
        let verifier = AuthenticatorCode.pinVerifier(pinKey: Array(state.pinKey!), pin: newPIN)
        let answer = try await signed("/pin", organization: organization) { deviceID, challenge in
            AuthenticatorWire.PINResetRequest(deviceID: deviceID, challenge: challenge, tenant: organization.tenant,
                                              pinLength: newPIN.utf8.count, pinVerifier: Data(verifier).base64EncodedString())
        }
        guard answer.result == .ok else { throw AuthenticatorClientError.refused(answer) }
        return answer
    }

    /// The app's organizations and their states as the server sees them (saved as the last known states).
    public func status() async throws -> AuthenticatorWire.Answer {
        _ = try activated(nil)
        return try await signed("/status", organization: nil) { deviceID, challenge in
            AuthenticatorWire.StatusRequest(deviceID: deviceID, challenge: challenge)
        }
    }

    // MARK: - Helpers

    /// Why refuse weak and ill-formed PINs here: the server would refuse them too (it checks the verifier against the
    /// weak PINs' verifiers), but a local refusal spends no UBC attempt and tells the user at once.
    private func checkNew(_ pin: String) throws {
        guard AuthenticatorPIN.isWellFormed(pin) else { throw AuthenticatorClientError.illFormedPIN }
        guard !AuthenticatorPIN.isWeak(pin) else { throw AuthenticatorClientError.weakPIN }
    }

    private func checkUBC(_ ubc: String) throws {
        guard ubc.utf8.count == 8, ubc.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw AuthenticatorClientError.illFormedUBC }
    }

    private func activated(_ name: String?) throws -> (AuthenticatorState, StoredOrganization) {
        let state = try self.state()
        guard state.isActivated, let first = state.organizations.first else { throw AuthenticatorClientError.notActivated }
        guard let name else { return (state, first) }
        guard let organization = state.organization(name) else { throw AuthenticatorClientError.unknownOrganization(name) }
        return (state, organization)
    }

    private func step(_ now: Date, _ state: AuthenticatorState) -> Int64 {
        AuthenticatorCode.step(unixTime: Int64(now.timeIntervalSince1970.rounded(.down)) + state.clockOffset)
    }

    /// A signed request: a fresh challenge, then the body naming it, signed. Saves the states the answer reports.
    private func signed<Body: Encodable>(_ route: String, organization: StoredOrganization?,
                                         _ make: (String, String) -> Body) async throws -> AuthenticatorWire.Answer {
        var state = try self.state()
        guard let deviceID = state.deviceID, let stored = state.deviceKey, let base = state.server else { throw AuthenticatorClientError.notActivated }
        let server = try ServerAddress.checked(base)
        let key = try keys.restore(Array(stored))
        let challengeResponse = try await post(server, "/challenge", body: try Self.encode(AuthenticatorWire.ChallengeRequest(deviceID: deviceID)), key: nil)
        guard (200..<300).contains(challengeResponse.status) else { throw Self.refusal(challengeResponse) }
        guard let challenge = try? JSONDecoder().decode(AuthenticatorWire.ChallengeResponse.self, from: challengeResponse.body) else {
            throw AuthenticatorClientError.badResponse("not a challenge")
        }
        let response = try await post(server, route, body: try Self.encode(make(deviceID, challenge.challenge)), key: key)
        guard (200..<300).contains(response.status) else { throw Self.refusal(response) }
        guard let answer = try? JSONDecoder().decode(AuthenticatorWire.Answer.self, from: response.body) else {
            throw AuthenticatorClientError.badResponse("not an answer")
        }
        apply(answer, organization: organization, to: &state)
        if let date = response.headers["date"], let serverNow = Self.httpDate(date) {
            state.clockOffset = Self.offset(server: Int64(serverNow.timeIntervalSince1970), local: Date())
        }
        try store.save(state)
        return answer
    }

    /// The last known states: the answer's list, else what its result implies.
    private func apply(_ answer: AuthenticatorWire.Answer, organization: StoredOrganization?, to state: inout AuthenticatorState) {
        for o in answer.organizations {
            if let i = state.organizations.firstIndex(where: { $0.tenantID.lowercased() == o.tenantID.lowercased() }) { state.organizations[i].state = o.state }
        }
        guard answer.organizations.isEmpty else { return }
        for i in state.organizations.indices {
            let mine = state.organizations[i].tenantID.lowercased() == organization?.tenantID.lowercased()
            switch answer.result {
            case .pinBlocked where state.organizations[i].state != "deactivated": state.organizations[i].state = "blocked"
            case .organizationBlocked where mine: state.organizations[i].state = "blocked"
            case .deactivated where mine: state.organizations[i].state = "deactivated"
            case .ok where mine && answer.code == nil: state.organizations[i].state = "active"
            default: break
            }
        }
    }

    private func post(_ server: URL, _ route: String, body: [UInt8], key: (any DeviceKey)?) async throws -> TransportResponse {
        let path = AuthenticatorWire.pathPrefix + route
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let key {
            let message = AuthenticatorSignature.message(method: "POST", path: path, body: body)
            headers[AuthenticatorWire.signatureHeader] = Data(try key.sign(message)).base64EncodedString()
        }
        guard let url = URL(string: server.absoluteString + path) else { throw AuthenticatorClientError.insecureServer(server.absoluteString) }
        return try await transport.send(TransportRequest(url: url, method: "POST", headers: headers, body: Data(body)))
    }

    /// An error answer: `{"error": code, "message": text}` (or an ``AuthenticatorWire/Answer`` with a refusal).
    static func refusal(_ response: TransportResponse) -> AuthenticatorClientError {
        if let answer = try? JSONDecoder().decode(AuthenticatorWire.Answer.self, from: response.body), answer.result != .ok {
            return .refused(answer)
        }
        struct ErrorBody: Decodable { var error: String; var message: String? }
        if let e = try? JSONDecoder().decode(ErrorBody.self, from: response.body) {
            return .server(status: response.status, code: e.error, message: e.message ?? "")
        }
        return .server(status: response.status, code: "http_\(response.status)", message: "no error description")
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Server clock minus device clock; 0 when within 3 s. Why the threshold: the measurement itself is only good to a
    /// second or two (latency, the Date header's whole seconds), so a small offset would add noise, not remove it.
    static func offset(server: Int64, local: Date) -> Int64 {
        let d = server - Int64(local.timeIntervalSince1970.rounded())
        return abs(d) < 3 ? 0 : d
    }

    /// An HTTP `Date` header (RFC 9110 IMF-fixdate).
    static func httpDate(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: text)
    }
}
