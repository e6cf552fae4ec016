import Foundation
@testable import LifelineAuthenticatorKit

/// An in-process stand-in for the server's app API (`/api/v1/authenticator/*`), enough to drive ``AuthenticatorClient``
/// without a network: it checks signatures and single-use challenges, keeps verifiers (never PINs), counts wrong PINs
/// (3 block every link of the app) and UBC entries, like the real service's rules.
actor FakeAuthenticatorServer: HTTPTransport {
    struct Device { var publicKey: [UInt8]; var pinKey: [UInt8]; var verifier: [UInt8]; var failures = 0 }
    struct Link { var deviceID: String; var tenant: String; var tenantID: String; var username: String; var orgKey: [UInt8]; var state: String }
    struct UBC { var code: String; var failures = 0 }

    var devices: [String: Device] = [:]
    var links: [Link] = []
    var activationCodes: [String: (tenant: String, tenantID: String, username: String)] = [:]
    var challenges: Set<String> = []
    var ubcs: [String: UBC] = [:]
    var issuedCodes: [String] = []
    /// Every request received (path and body), to check what the app sent.
    var requests: [(path: String, body: Data, signed: Bool)] = []

    /// An activation URI for `username` at `tenant` (served at http://127.0.0.1).
    func issueActivation(tenant: String, tenantID: String, username: String) -> String {
        let code = String((0..<26).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".randomElement()! })
        activationCodes[code] = (tenant, tenantID, username)
        return ActivationURI(server: "http://127.0.0.1:8080", tenant: tenant, username: username, code: code).text
    }

    func displayUBC(tenant: String, code: String) { ubcs[tenant] = UBC(code: code) }
    func orgKey(tenant: String) -> [UInt8]? { links.last { $0.tenant == tenant }?.orgKey }
    func verifier(deviceID: String) -> [UInt8]? { devices[deviceID]?.verifier }
    func setVerifier(_ v: [UInt8], deviceID: String) { devices[deviceID]?.verifier = v }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let path = request.url.path
        let signature = request.headers[AuthenticatorWire.signatureHeader].flatMap { Data(base64Encoded: $0) }.map { Array($0) }
        requests.append((path, request.body, signature != nil))
        let body = Array(request.body)
        let route = String(path.dropFirst(AuthenticatorWire.pathPrefix.count))
        guard path.hasPrefix(AuthenticatorWire.pathPrefix), request.url.host == "127.0.0.1" else { return error(404, "not_found") }
        switch route {
        case "/activate":
            guard let r = try? JSONDecoder().decode(AuthenticatorWire.ActivateRequest.self, from: request.body),
                  let publicKey = Data(base64Encoded: r.publicKey).map({ Array($0) }), let signature,
                  AuthenticatorSignature.verify(signature: signature, publicKey: publicKey, method: "POST", path: path, body: body),
                  let target = activationCodes.removeValue(forKey: r.code), let v = Data(base64Encoded: r.pinVerifier) else {
                return error(401, "unauthorized")
            }
            let deviceID: String
            if let existing = r.deviceID {
                guard var device = devices[existing], device.publicKey == publicKey, r.pinKey == nil else { return error(401, "unauthorized") }
                guard Array(v) == device.verifier else {
                    device.failures += 1; devices[existing] = device
                    return json(AuthenticatorWire.Answer(result: .wrongPIN, attemptsLeft: 3 - device.failures, pinBlocked: false, organizations: []))
                }
                deviceID = existing
            } else {
                guard let pinKey = r.pinKey.flatMap({ Data(base64Encoded: $0) }).map({ Array($0) }), pinKey.count == 32 else { return error(400, "invalid_request") }
                if AuthenticatorPIN.weakPINs(length: r.pinLength).contains(where: { AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: $0) == Array(v) }) {
                    return error(400, "weak_pin")
                }
                deviceID = UUID().uuidString.lowercased()
                devices[deviceID] = Device(publicKey: publicKey, pinKey: pinKey, verifier: Array(v))
            }
            for i in links.indices where links[i].tenant == target.tenant && links[i].username == target.username { links[i].state = "deactivated" }
            let orgKey = randomBytes(32)
            links.append(Link(deviceID: deviceID, tenant: target.tenant, tenantID: target.tenantID, username: target.username, orgKey: orgKey, state: "active"))
            return json(AuthenticatorWire.ActivateResponse(deviceID: deviceID, tenant: target.tenant, tenantID: target.tenantID,
                                                           username: target.username, orgKey: Data(orgKey).base64EncodedString(),
                                                           serverTime: Int64(Date().timeIntervalSince1970)))
        case "/challenge":
            let c = Data(randomBytes(32)).base64EncodedString()
            challenges.insert(c)
            return json(AuthenticatorWire.ChallengeResponse(challenge: c, expiresIn: 120))
        default:
            struct Common: Decodable { var device_id: String; var challenge: String; var tenant: String? }
            guard let common = try? JSONDecoder().decode(Common.self, from: request.body), let signature,
                  let device = devices[common.device_id],
                  AuthenticatorSignature.verify(signature: signature, publicKey: device.publicKey, method: "POST", path: path, body: body),
                  challenges.remove(common.challenge) != nil else { return error(401, "unauthorized") }
            return answer(route, deviceID: common.device_id, tenant: common.tenant, body: request.body)
        }
    }

    private func answer(_ route: String, deviceID: String, tenant: String?, body: Data) -> TransportResponse {
        func reply(_ result: AuthenticatorWire.Result, code: String? = nil, left: Int? = nil) -> TransportResponse {
            let mine = links.filter { $0.deviceID == deviceID }
            let alive = mine.filter { $0.state != "deactivated" }
            return json(AuthenticatorWire.Answer(result: result, code: code, expiresIn: code == nil ? nil : 120, attemptsLeft: left,
                                                 pinBlocked: !alive.isEmpty && alive.allSatisfy { $0.state == "blocked" },
                                                 organizations: mine.map { .init(tenant: $0.tenant, tenantID: $0.tenantID, username: $0.username, state: $0.state) }))
        }
        if route == "/status" { return reply(.ok) }
        guard let tenant, let index = links.lastIndex(where: { $0.deviceID == deviceID && $0.tenant == tenant }) else { return error(404, "not_found") }
        if links[index].state == "deactivated" { return reply(.deactivated) }
        switch route {
        case "/code":
            let r = try! JSONDecoder().decode(AuthenticatorWire.CodeRequest.self, from: body)
            if links[index].state == "blocked" {
                let alive = links.filter { $0.deviceID == deviceID && $0.state != "deactivated" }
                return reply(alive.allSatisfy { $0.state == "blocked" } ? .pinBlocked : .organizationBlocked)
            }
            guard Data(base64Encoded: r.pinVerifier).map({ Array($0) }) == devices[deviceID]!.verifier else {
                devices[deviceID]!.failures += 1
                if devices[deviceID]!.failures >= 3 {
                    for i in links.indices where links[i].deviceID == deviceID && links[i].state == "active" { links[i].state = "blocked" }
                    return reply(.pinBlocked)
                }
                return reply(.wrongPIN, left: 3 - devices[deviceID]!.failures)
            }
            devices[deviceID]!.failures = 0
            let code = String(format: "%08d", Int.random(in: 0..<100_000_000))
            issuedCodes.append(code)
            return reply(.ok, code: code)
        case "/unblock":
            let r = try! JSONDecoder().decode(AuthenticatorWire.UnblockRequest.self, from: body)
            guard var ubc = ubcs[tenant] else { return reply(.noUBC) }
            if ubc.failures >= 3 { return reply(.ubcBlocked) }
            guard ubc.code == r.ubc else {
                ubc.failures += 1; ubcs[tenant] = ubc
                return reply(ubc.failures >= 3 ? .ubcBlocked : .wrongUBC, left: ubc.failures >= 3 ? nil : 3 - ubc.failures)
            }
            ubcs[tenant] = nil
            devices[deviceID]!.verifier = Array(Data(base64Encoded: r.pinVerifier)!)
            devices[deviceID]!.failures = 0
            links[index].state = "active"
            return reply(.ok)
        default:
            return error(404, "not_found")
        }
    }

    private func json<T: Encodable>(_ value: T) -> TransportResponse {
        TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: try! JSONEncoder().encode(value))
    }

    private func error(_ status: Int, _ code: String) -> TransportResponse {
        TransportResponse(status: status, body: Data("{\"error\":\"\(code)\",\"message\":\"\(code.replacingOccurrences(of: "_", with: " "))\"}".utf8))
    }
}

/// Random bytes for the fake server's keys and challenges.
func randomBytes(_ n: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
}
