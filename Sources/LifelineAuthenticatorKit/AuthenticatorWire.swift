import Crypto
import Foundation

/// The HTTP protocol between the app and the server (`/api/v1/authenticator/...`), as Codable values both sides use.
/// JSON keys are snake_case; byte strings are base64 (standard alphabet, padded). Every request but
/// ``ActivateRequest`` names a fresh server challenge (``ChallengeResponse``) and is signed by the device key
/// (``AuthenticatorSignature``).
public enum AuthenticatorWire {
    /// Path prefix of the app API.
    public static let pathPrefix = "/api/v1/authenticator"
    /// The header that carries the device key's signature (base64 of the DER ECDSA P-256 SHA-256 signature).
    public static let signatureHeader = "Lifeline-Signature"

    /// `POST /activate`: registers the device key and links the app to the organization of the activation code.
    /// Signed with the (new or existing) device key; the activation code stands in for the challenge.
    public struct ActivateRequest: Codable, Sendable, Equatable {
        /// The `code` of the activation URI (single use, 10 minutes).
        public var code: String
        /// The device's P-256 public key, x9.63 uncompressed (65 bytes), base64.
        public var publicKey: String
        /// A name the user recognises ("Ada's phone") and the model ("iPhone 15", "lifeline-authenticator"), ≤ 64 chars each.
        public var name: String
        public var model: String
        /// Set when an app already activated at another organization adds this one (one PIN for all).
        public var deviceID: String?
        /// The app's `pinKey` (32 bytes, base64): only when the app is new (no `deviceID`).
        public var pinKey: String?
        /// The PIN's length and verifier (``AuthenticatorCode/pinVerifier(pinKey:pin:)``, base64). A new app sets
        /// its PIN; an app adding an organization proves its PIN (a wrong one counts as a failed PIN).
        public var pinLength: Int
        public var pinVerifier: String

        enum CodingKeys: String, CodingKey {
            case code, name, model
            case publicKey = "public_key", deviceID = "device_id", pinKey = "pin_key", pinLength = "pin_length", pinVerifier = "pin_verifier"
        }
        public init(code: String, publicKey: String, name: String, model: String, deviceID: String?, pinKey: String?, pinLength: Int, pinVerifier: String) {
            self.code = code; self.publicKey = publicKey; self.name = name; self.model = model; self.deviceID = deviceID
            self.pinKey = pinKey; self.pinLength = pinLength; self.pinVerifier = pinVerifier
        }
    }

    /// The answer to ``ActivateRequest``.
    public struct ActivateResponse: Codable, Sendable, Equatable {
        public var deviceID: String
        /// The organization: the tenant's name (what the user chooses with `--org`) and id (the `organization` input of
        /// ``AuthenticatorCode/unblockKey(orgKey:organization:ubc:)``).
        public var tenant: String
        public var tenantID: String
        public var username: String
        /// The organization key (32 bytes, base64) for offline and unblock codes.
        public var orgKey: String
        /// The server's clock at the answer (Unix seconds), for the app's offline codes.
        public var serverTime: Int64

        enum CodingKeys: String, CodingKey {
            case tenant, username
            case deviceID = "device_id", tenantID = "tenant_id", orgKey = "org_key", serverTime = "server_time"
        }
        public init(deviceID: String, tenant: String, tenantID: String, username: String, orgKey: String, serverTime: Int64) {
            self.deviceID = deviceID; self.tenant = tenant; self.tenantID = tenantID; self.username = username; self.orgKey = orgKey; self.serverTime = serverTime
        }
    }

    /// `POST /challenge`: a fresh challenge for the device (unsigned request; single use, 2 minutes).
    public struct ChallengeRequest: Codable, Sendable, Equatable {
        public var deviceID: String
        enum CodingKeys: String, CodingKey { case deviceID = "device_id" }
        public init(deviceID: String) { self.deviceID = deviceID }
    }

    public struct ChallengeResponse: Codable, Sendable, Equatable {
        /// 32 random bytes, base64.
        public var challenge: String
        public var expiresIn: Int
        enum CodingKeys: String, CodingKey { case challenge; case expiresIn = "expires_in" }
        public init(challenge: String, expiresIn: Int) { self.challenge = challenge; self.expiresIn = expiresIn }
    }

    /// `POST /code`: the PIN's verifier for an online code of one organization (tenant name).
    public struct CodeRequest: Codable, Sendable, Equatable {
        public var deviceID: String
        public var challenge: String
        public var tenant: String
        public var pinVerifier: String
        enum CodingKeys: String, CodingKey { case challenge, tenant; case deviceID = "device_id", pinVerifier = "pin_verifier" }
        public init(deviceID: String, challenge: String, tenant: String, pinVerifier: String) {
            self.deviceID = deviceID; self.challenge = challenge; self.tenant = tenant; self.pinVerifier = pinVerifier
        }
    }

    /// `POST /unblock`: the UBC of one organization and the new PIN's verifier.
    public struct UnblockRequest: Codable, Sendable, Equatable {
        public var deviceID: String
        public var challenge: String
        public var tenant: String
        public var ubc: String
        public var pinLength: Int
        public var pinVerifier: String
        enum CodingKeys: String, CodingKey {
            case challenge, tenant, ubc
            case deviceID = "device_id", pinLength = "pin_length", pinVerifier = "pin_verifier"
        }
        public init(deviceID: String, challenge: String, tenant: String, ubc: String, pinLength: Int, pinVerifier: String) {
            self.deviceID = deviceID; self.challenge = challenge; self.tenant = tenant; self.ubc = ubc; self.pinLength = pinLength; self.pinVerifier = pinVerifier
        }
    }

    /// `POST /pin`: a new PIN while an operator holds "Reset PIN with the user present" open for this user (seed 004).
    public struct PINResetRequest: Codable, Sendable, Equatable {
        public var deviceID: String
        public var challenge: String
        public var tenant: String
        public var pinLength: Int
        public var pinVerifier: String
        enum CodingKeys: String, CodingKey { case challenge, tenant; case deviceID = "device_id", pinLength = "pin_length", pinVerifier = "pin_verifier" }
        public init(deviceID: String, challenge: String, tenant: String, pinLength: Int, pinVerifier: String) {
            self.deviceID = deviceID; self.challenge = challenge; self.tenant = tenant; self.pinLength = pinLength; self.pinVerifier = pinVerifier
        }
    }

    /// `POST /status`: the app's organizations and their states.
    public struct StatusRequest: Codable, Sendable, Equatable {
        public var deviceID: String
        public var challenge: String
        enum CodingKeys: String, CodingKey { case challenge; case deviceID = "device_id" }
        public init(deviceID: String, challenge: String) { self.deviceID = deviceID; self.challenge = challenge }
    }

    /// What a signed request found. Why an answer and not an HTTP error: these are told only to the holder of the
    /// device key (signature over a fresh challenge), who must learn whether the PIN was wrong or is blocked.
    public enum Result: String, Codable, Sendable {
        case ok
        /// The PIN (verifier) is wrong; `attemptsLeft` say how many remain before the PIN is blocked.
        case wrongPIN = "wrong_pin"
        /// The PIN is blocked: every organization is blocked (three wrong PINs, or an operator).
        case pinBlocked = "pin_blocked"
        /// This organization is blocked (the PIN may work elsewhere): unblock it with its own UBC.
        case organizationBlocked = "organization_blocked"
        /// The UBC is wrong (`attemptsLeft` before it is blocked), blocked after three wrong entries, or there is none
        /// (expired, used, or never displayed).
        case wrongUBC = "wrong_ubc"
        case ubcBlocked = "ubc_blocked"
        case noUBC = "no_ubc"
        /// The new PIN breaks the rule (length of the organization, or a refused PIN such as 0000 or 1234).
        case weakPIN = "weak_pin"
        /// No operator holds a PIN reset open for this user (``PINResetRequest``).
        case noPINReset = "no_pin_reset"
        /// This app was replaced by a newer one at the organization, or deactivated.
        case deactivated
    }

    /// One organization as the app sees it.
    public struct Organization: Codable, Sendable, Equatable {
        public var tenant: String
        public var tenantID: String
        public var username: String
        /// `active`, `blocked` or `deactivated`.
        public var state: String
        enum CodingKeys: String, CodingKey { case tenant, username, state; case tenantID = "tenant_id" }
        public init(tenant: String, tenantID: String, username: String, state: String) {
            self.tenant = tenant; self.tenantID = tenantID; self.username = username; self.state = state
        }
    }

    /// The answer to ``CodeRequest``, ``UnblockRequest``, ``PINResetRequest`` and ``StatusRequest``.
    public struct Answer: Codable, Sendable, Equatable {
        public var result: Result
        /// The online code (``CodeRequest`` with `ok`): 8 digits, single use, valid `expiresIn` seconds (120).
        public var code: String?
        public var expiresIn: Int?
        public var attemptsLeft: Int?
        public var pinBlocked: Bool
        public var organizations: [Organization]
        enum CodingKeys: String, CodingKey {
            case result, code, organizations
            case expiresIn = "expires_in", attemptsLeft = "attempts_left", pinBlocked = "pin_blocked"
        }
        public init(result: Result, code: String? = nil, expiresIn: Int? = nil, attemptsLeft: Int? = nil, pinBlocked: Bool, organizations: [Organization]) {
            self.result = result; self.code = code; self.expiresIn = expiresIn; self.attemptsLeft = attemptsLeft
            self.pinBlocked = pinBlocked; self.organizations = organizations
        }
    }
}

/// What the device key signs: `"LIFELINE-AUTHENTICATOR-V1\n" ‖ METHOD ‖ " " ‖ PATH ‖ "\n" ‖ base64(SHA-256(body))`.
/// The body names the challenge (or the activation code), so a signature is good for one request once.
public enum AuthenticatorSignature {
    /// The bytes to sign for a request of `method` to `path` (e.g. `/api/v1/authenticator/code`) with `body`.
    public static func message(method: String, path: String, body: [UInt8]) -> [UInt8] {
        let digest = Data(SHA256.hash(data: body)).base64EncodedString()
        return Array("LIFELINE-AUTHENTICATOR-V1\n\(method.uppercased()) \(path)\n\(digest)".utf8)
    }

    /// Whether `signature` (DER) is the key `publicKey`'s (x9.63) over the request.
    public static func verify(signature: [UInt8], publicKey: [UInt8], method: String, path: String, body: [UInt8]) -> Bool {
        guard let key = try? P256.Signing.PublicKey(x963Representation: publicKey),
              let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
        return key.isValidSignature(sig, for: message(method: method, path: path, body: body))
    }
}
