import Foundation

/// Client IP addresses: parsing, prefixes, the address a request came from behind trusted proxies, and the key the
/// per-address limiter counts by.
public enum ClientAddress {
    /// An address prefix such as `10.0.0.0/8`, `192.0.2.7` (a /32) or `fd00::/8`.
    public struct Prefix: Sendable, Equatable {
        public let bytes: [UInt8]
        public let bits: Int

        /// Parses `address` or `address/bits`; nil when it is neither.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let first = parts.first, let bytes = ClientAddress.bytes(first) else { return nil }
            let max = bytes.count * 8
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...max).contains(bits) else { return nil }
                self.bits = bits
            } else { self.bits = max }
            self.bytes = bytes
        }

        /// Whether `address` (4 or 16 bytes) is inside the prefix.
        public func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = bits
            for i in 0..<bytes.count where left > 0 {
                let take = min(8, left)
                let mask: UInt8 = take == 8 ? 0xff : ~(0xff >> UInt8(take))
                if address[i] & mask != bytes[i] & mask { return false }
                left -= take
            }
            return true
        }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address (brackets and an IPv6 zone allowed); IPv4-mapped IPv6
    /// addresses (`::ffff:192.0.2.1`) give the IPv4 bytes, so one client is one key.
    public static func bytes(_ text: String) -> [UInt8]? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("["), t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        if let zone = t.firstIndex(of: "%") { t = String(t[..<zone]) }
        guard !t.isEmpty, t.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, t, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, t, &v6) == 1 else { return nil }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Array(b[12..<16]) }
        return b
    }

    /// The key the per-address limiter counts by: the IPv4 address, or the /64 of an IPv6 address. Why /64: one
    /// subscriber or host usually gets a whole /64, so counting single IPv6 addresses gives every client 2^64 buckets.
    public static func limiterKey(_ address: String) -> String {
        guard let b = bytes(address) else { return address }
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 8, by: 2).map { String(format: "%x", Int(b[$0]) << 8 | Int(b[$0 + 1])) }.joined(separator: ":") + "::/64"
    }

    /// The client of a request from `peer`: the peer itself unless it is a trusted proxy; then the right-most
    /// address of the forwarding chain (`Forwarded: for=` or else `X-Forwarded-For`) that is not a trusted proxy.
    /// Why the right-most: entries left of the first untrusted hop were written by the client and can be anything.
    public static func client(peer: String, forwarded: [String], xForwardedFor: [String], trusted: [Prefix]) -> String {
        guard !trusted.isEmpty, let peerBytes = bytes(peer), trusted.contains(where: { $0.contains(peerBytes) }) else { return peer }
        let chain = forwarded.isEmpty ? xForwardedFor.flatMap { $0.split(separator: ",").map(String.init) } : forwardedFor(forwarded)
        for hop in chain.reversed() {
            let entry = hop.trimmingCharacters(in: .whitespaces)
            // A hop that is not an address (`unknown`, an obfuscated name) ends the chain we can trust.
            guard let b = bytes(stripPort(entry)) else { return peer }
            if !trusted.contains(where: { $0.contains(b) }) { return stripPort(entry).trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }
        }
        return peer
    }

    /// The `for=` values of RFC 7239 `Forwarded` headers, in order.
    static func forwardedFor(_ headers: [String]) -> [String] {
        headers.flatMap { $0.split(separator: ",") }.compactMap { element in
            for pair in element.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, kv[0].lowercased() == "for" { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            return nil
        }
    }

    /// `192.0.2.1:4711` → `192.0.2.1`, `[2001:db8::1]:4711` → `[2001:db8::1]`; a bare IPv6 address stays as it is.
    static func stripPort(_ s: String) -> String {
        if s.hasPrefix("["), let end = s.firstIndex(of: "]") { return String(s[...end]) }
        if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") { return String(s[..<colon]) }
        return s
    }
}
