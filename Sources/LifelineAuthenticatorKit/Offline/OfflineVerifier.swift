import Crypto
import Foundation

/// The outcome of one offline verification (``OfflineVerifier``).
public enum OfflineVerification: Sendable, Equatable {
    /// The passcode matched the tag of this time step (now the last accepted step).
    case accepted(step: Int64)
    /// The passcode was an offline emergency access tokencode of this kind.
    case acceptedEmergency(OfflineEmergencyKind)
    /// Wrong, replayed or ill-formed: one failure counted.
    case rejected
    /// The data verifies nothing at this time (after its end, or before its first step); nothing counted.
    case expired
    /// The rejected passcode reached the failure cap: the user's data is gone.
    case wiped

    /// Whether the passcode was accepted.
    public var isAccepted: Bool {
        switch self {
        case .accepted, .acceptedEmergency: return true
        default: return false
        }
    }
}

/// The laptop's offline verifier (pure: no I/O, the time is an argument): one passcode against one user's
/// ``AgentUserState`` at `now`, giving the outcome and the state to keep (nil: wipe the user's data).
///
/// The rules, in order (each with its reason):
/// 1. Nothing verifies after `expiresAt` or before the window's first step (why: the server issued the data for these
///    days only; outside them there is no tag, and the emergency codes ride on the same data).
/// 2. A tokencode passcode (`digits` ASCII digits; for a token with a PIN, PIN digits in front: the tokencode is the
///    last `digits` characters and the PIN the rest, whatever its length) is tried at the laptop's step
///    t = floor(now / period) and at t ± ``OfflineConstruction/clockWindow`` (why: the laptop's and the token's clocks
///    drift a little), but only at steps above the last accepted one (why: a code seen over a shoulder or in a log must
///    not open the laptop again: replay). All three steps are always searched (why: the cost, and so the time, does not
///    tell which step matched).
/// 3. An offline emergency access tokencode (16 symbols of ``OfflineConstruction/emergencyAlphabet``, dashes and spaces
///    allowed; for the `tokencode` kind of a token with a PIN, the PIN in front) is compared in constant time with the
///    verifiers of ``OfflineEmergencyData`` until its `expiresAt`. Not replay-limited (why: it stands in for a lost
///    token or a forgotten PIN for days, as RSA's does; its ≈79 bits cannot be guessed).
/// 4. Every rejected passcode counts one failure; at `maxFailures` the data is wiped (why: each local try is an online
///    guess against the laptop's own verifier; the cap bounds what a thief can try through the login screen). An
///    accepted passcode resets the count to 0 (why: the cap is for consecutive failures, like a PIN's).
public enum OfflineVerifier {
    /// Verifies `passcode` at Unix time `now`; returns the outcome and the entry to keep (nil: wipe it).
    public static func verify(_ entry: AgentUserState, passcode typed: String, now: Int64) -> (OfflineVerification, AgentUserState?) {
        let data = entry.data
        guard data.period > 0, let salt = Data(base64Encoded: data.salt).map({ Array($0) }) else { return fail(entry) }
        let step = OfflineConstruction.step(unixTime: now, period: Int64(data.period))
        // Rule 1: outside the window nothing is tried and nothing counted (the user cannot help the clock).
        if now > data.expiresAt || step + OfflineConstruction.clockWindow < data.firstStep { return (.expired, entry) }
        let passcode = typed.trimmingCharacters(in: .whitespacesAndNewlines)

        var matchedStep: Int64?
        if isTokencodeShaped(passcode, data: data), let tags = Data(base64Encoded: data.tags).map({ Array($0) }),
           tags.count == data.steps * OfflineConstruction.tagBytes {
            // Rule 2: t-1 ... t+1, above the last accepted step, inside the window.
            for s in (step - OfflineConstruction.clockWindow)...(step + OfflineConstruction.clockWindow) {
                guard s > entry.lastStep, s >= data.firstStep, s < data.firstStep + Int64(data.steps) else { continue }
                let at = Int(s - data.firstStep) * OfflineConstruction.tagBytes
                let expected = Array(tags[at..<(at + OfflineConstruction.tagBytes)])
                let ok = OfflineConstruction.matches(expected: expected, salt: salt, step: s, passcode: passcode, hiddenBits: data.hiddenBits)
                if ok && matchedStep == nil { matchedStep = s }
            }
        }
        if let s = matchedStep {
            var next = entry
            next.lastStep = s; next.failures = 0
            return (.accepted(step: s), next)
        }
        if let kind = emergencyKind(passcode, data: data, salt: salt, now: now) {
            var next = entry
            next.failures = 0
            return (.acceptedEmergency(kind), next)
        }
        return fail(entry)
    }

    /// Whether `passcode` has the shape of a tokencode passcode: `digits` ASCII digits, after 1–16 PIN digits when
    /// `pin`.
    public static func isTokencodeShaped(_ passcode: String, data: OfflineData) -> Bool {
        let bytes = Array(passcode.utf8)
        guard data.digits > 0, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if data.pin { return bytes.count > data.digits && bytes.count <= data.digits + 16 }
        return bytes.count == data.digits
    }

    /// The kind of emergency code `passcode` is, checked against the data's verifiers (constant time), or nil.
    static func emergencyKind(_ passcode: String, data: OfflineData, salt: [UInt8], now: Int64) -> OfflineEmergencyKind? {
        // Rule 3: only until the codes' own expiry.
        guard let emergency = data.emergency, now <= emergency.expiresAt else { return nil }
        let compact = passcode.uppercased().filter { $0 != " " && $0 != "-" }
        guard compact.count >= OfflineConstruction.emergencyCodeLength,
              let code = OfflineConstruction.canonicalEmergencyCode(String(compact.suffix(OfflineConstruction.emergencyCodeLength))) else { return nil }
        let pin = String(compact.dropLast(OfflineConstruction.emergencyCodeLength))
        var found: OfflineEmergencyKind?
        // The `passcode` kind replaces PIN and tokencode: the code alone.
        if pin.isEmpty, let stored = emergency.passcode.flatMap({ Data(base64Encoded: $0) }),
           equal(Array(stored), OfflineConstruction.emergencyVerifier(salt: salt, kind: OfflineEmergencyKind.passcode.rawValue, input: code)) {
            found = .passcode
        }
        // The `tokencode` kind replaces the tokencode: after the PIN for a token with one, alone otherwise.
        let pinShaped = data.pin ? (!pin.isEmpty && pin.count <= 16 && pin.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }) : pin.isEmpty
        if found == nil, pinShaped, let stored = emergency.tokencode.flatMap({ Data(base64Encoded: $0) }),
           equal(Array(stored), OfflineConstruction.emergencyVerifier(salt: salt, kind: OfflineEmergencyKind.tokencode.rawValue, input: pin + code)) {
            found = .tokencode
        }
        return found
    }

    /// Constant-time equality of two byte strings (why: the time of a compare must not tell how many leading bytes of
    /// a verifier a guess got right).
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Rule 4: one failure more; the cap wipes.
    static func fail(_ entry: AgentUserState) -> (OfflineVerification, AgentUserState?) {
        var next = entry
        next.failures += 1
        if next.failures >= max(1, entry.data.maxFailures) { return (.wiped, nil) }
        return (.rejected, next)
    }
}
