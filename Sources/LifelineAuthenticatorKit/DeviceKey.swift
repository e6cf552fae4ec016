import Crypto
import Foundation

/// The app's device key: a P-256 key pair whose private half never leaves the device. The server registers the public
/// key at activation; every later request is signed with it (``AuthenticatorSignature``).
///
/// ``SoftwareDeviceKey`` keeps the private key in the app's state. An iOS or macOS app should use a Secure Enclave key,
/// which cannot be copied off the device at all; it plugs in with a few lines (CryptoKit on Apple platforms):
///
/// ```swift
/// import CryptoKit
/// struct EnclaveDeviceKey: DeviceKey {
///     let key: SecureEnclave.P256.Signing.PrivateKey
///     var publicKeyX963: [UInt8] { Array(key.publicKey.x963Representation) }
///     var persistentRepresentation: [UInt8] { Array(key.dataRepresentation) }   // an opaque, enclave-bound blob
///     func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: Data(message)).derRepresentation) }
/// }
/// let factory = DeviceKeyFactory(
///     make: { EnclaveDeviceKey(key: try SecureEnclave.P256.Signing.PrivateKey(accessControl: ...)) },
///     restore: { EnclaveDeviceKey(key: try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: Data($0))) })
/// let client = AuthenticatorClient(store: myKeychainStore, keys: factory)
/// ```
public protocol DeviceKey: Sendable {
    /// The public key, x9.63 uncompressed (65 bytes), as the server registers it.
    var publicKeyX963: [UInt8] { get }
    /// What the ``AuthenticatorStateStore`` keeps to restore the key (``DeviceKeyFactory/restore``).
    var persistentRepresentation: [UInt8] { get }
    /// An ECDSA P-256 signature (SHA-256) of `message`, DER encoded.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

/// A device key held in software (`P256.Signing.PrivateKey` of swift-crypto), for Linux and the reference app.
public struct SoftwareDeviceKey: DeviceKey {
    let key: P256.Signing.PrivateKey

    /// A new key from the system's CSPRNG.
    public init() { key = P256.Signing.PrivateKey() }

    /// The key whose raw representation (the 32-byte scalar) is `bytes`.
    public init(rawRepresentation bytes: [UInt8]) throws { key = try P256.Signing.PrivateKey(rawRepresentation: bytes) }

    /// The public key, x9.63 uncompressed.
    public var publicKeyX963: [UInt8] { Array(key.publicKey.x963Representation) }
    /// The raw 32-byte scalar.
    public var persistentRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// A DER ECDSA signature of `message`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: message).derRepresentation) }
}

/// How an ``AuthenticatorClient`` makes a new device key and restores a saved one.
public struct DeviceKeyFactory: Sendable {
    /// A new key (at the first activation).
    public var make: @Sendable () throws -> any DeviceKey
    /// The key whose ``DeviceKey/persistentRepresentation`` was saved.
    public var restore: @Sendable ([UInt8]) throws -> any DeviceKey

    /// A factory from two closures (e.g. Secure Enclave keys, see ``DeviceKey``).
    public init(make: @escaping @Sendable () throws -> any DeviceKey, restore: @escaping @Sendable ([UInt8]) throws -> any DeviceKey) {
        self.make = make; self.restore = restore
    }

    /// Software keys (``SoftwareDeviceKey``).
    public static let software = DeviceKeyFactory(make: { SoftwareDeviceKey() }, restore: { try SoftwareDeviceKey(rawRepresentation: $0) })
}
