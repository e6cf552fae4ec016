import Foundation

/// Everything an authenticator app keeps between runs, as one value an ``AuthenticatorStateStore`` loads and saves.
///
/// It holds secrets (the device's private key, `pinKey`, each organization's `orgKey`), never the PIN: the PIN is typed
/// for each code and turned into its verifier at once. Byte strings are `Data` (base64 in JSON).
public struct AuthenticatorState: Codable, Sendable, Equatable {
    /// The format's version (1).
    public var version: Int
    /// The device id the server gave at the first activation; nil before it.
    public var deviceID: String?
    /// The device key's ``DeviceKey/persistentRepresentation``: the raw P-256 scalar of a software key, or the opaque
    /// blob of a Secure Enclave key (which only that enclave can use).
    public var deviceKey: Data?
    /// The app's `pinKey` (32 CSPRNG bytes): the PIN's verifier is `HMAC(pinKey, …PIN)` (``AuthenticatorCode``).
    public var pinKey: Data?
    /// The server's base URL (one server per app state: the device id is the server's).
    public var server: String?
    /// Server clock minus device clock in seconds, applied to offline codes (0 when within 3 s).
    public var clockOffset: Int64
    /// The organizations the app is linked to, in activation order.
    public var organizations: [StoredOrganization]

    /// An empty state: not activated.
    public init(deviceID: String? = nil, deviceKey: Data? = nil, pinKey: Data? = nil, server: String? = nil,
                clockOffset: Int64 = 0, organizations: [StoredOrganization] = []) {
        self.version = 1; self.deviceID = deviceID; self.deviceKey = deviceKey; self.pinKey = pinKey; self.server = server
        self.clockOffset = clockOffset; self.organizations = organizations
    }

    /// Whether the app has a device key, a device id and a `pinKey` (it was activated at least once).
    public var isActivated: Bool { deviceID != nil && deviceKey != nil && pinKey != nil }

    /// The organization named `name`: its tenant name, or its tenant id (case-insensitive).
    public func organization(_ name: String) -> StoredOrganization? {
        organizations.first { $0.tenant == name } ?? organizations.first { $0.tenantID.lowercased() == name.lowercased() }
    }
}

/// One organization (tenant) the app is linked to.
public struct StoredOrganization: Codable, Sendable, Equatable {
    /// The tenant's name (what the user picks with `--org`).
    public var tenant: String
    /// The tenant's id (a UUID): the `organization` input of the unblock code, used lowercase.
    public var tenantID: String
    /// The user's name at the organization (what they type at its login with an offline code).
    public var username: String
    /// The organization key (32 bytes) of the offline and unblock codes.
    public var orgKey: Data
    /// The last state the server told: `active`, `blocked` or `deactivated`.
    public var state: String

    /// An organization as an activation answered it.
    public init(tenant: String, tenantID: String, username: String, orgKey: Data, state: String) {
        self.tenant = tenant; self.tenantID = tenantID; self.username = username; self.orgKey = orgKey; self.state = state
    }
}
