import Foundation
import LifelineCore
@testable import LifelineHTTP
import Testing

@Suite("Client addresses: IPv6 /64, eviction, trusted proxies")
struct ClientAddressTests {
    @Test("the limiter counts an IPv6 client by its /64: rotating the interface id gives no new bucket")
    func ipv6By64() {
        let limiter = AddressRateLimiter(perMinute: 3)
        let t0 = ContinuousClock.now
        #expect(limiter.take("2001:db8:1:2::1", now: t0) == nil)
        #expect(limiter.take("2001:db8:1:2::2", now: t0) == nil)
        #expect(limiter.take("2001:db8:1:2:ffff:eeee:dddd:cccc", now: t0) == nil)
        #expect(limiter.take("2001:db8:1:2::99", now: t0) != nil)
        #expect(limiter.take("2001:db8:1:3::1", now: t0) == nil)
        #expect(ClientAddress.limiterKey("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(ClientAddress.limiterKey("2001:db8:1:2::1") == "2001:db8:1:2::/64")
    }

    @Test("a full limiter evicts idle or least recently used buckets, never all of them: a throttled address stays throttled")
    func neverClearsAll() {
        let limiter = AddressRateLimiter(perMinute: 2, capacity: 100)
        let t0 = ContinuousClock.now
        _ = limiter.take("10.9.9.9", now: t0); _ = limiter.take("10.9.9.9", now: t0)
        #expect(limiter.take("10.9.9.9", now: t0) != nil)
        // 500 new addresses, each seen after the throttled one refreshed its bucket.
        for i in 0..<500 {
            let t = t0 + .milliseconds(i)
            _ = limiter.take("10.0.\(i / 256).\(i % 256)", now: t)
            if i % 50 == 0 { #expect(limiter.take("10.9.9.9", now: t) != nil) }
        }
        #expect(limiter.trackedCount <= 100)
        #expect(limiter.take("10.9.9.9", now: t0 + .milliseconds(500)) != nil)
    }

    @Test("forwarding headers count only from a trusted proxy, and the right-most untrusted hop is the client")
    func trustedProxies() throws {
        let trusted = [try #require(ClientAddress.Prefix("10.0.0.0/8")), try #require(ClientAddress.Prefix("fd00::/8"))]
        // Not from a proxy: the headers are the client's own words.
        #expect(ClientAddress.client(peer: "198.51.100.7", forwarded: [], xForwardedFor: ["1.2.3.4"], trusted: trusted) == "198.51.100.7")
        // From a proxy: the spoofed left entry is ignored, the right-most untrusted one wins.
        #expect(ClientAddress.client(peer: "10.0.0.5", forwarded: [], xForwardedFor: ["1.2.3.4, 203.0.113.9", "10.0.0.6"], trusted: trusted) == "203.0.113.9")
        #expect(ClientAddress.client(peer: "10.0.0.5", forwarded: [#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https"#], xForwardedFor: ["9.9.9.9"],
                                     trusted: trusted) == "2001:db8::7")
        #expect(ClientAddress.client(peer: "10.0.0.5", forwarded: ["for=unknown"], xForwardedFor: [], trusted: trusted) == "10.0.0.5")
        #expect(ClientAddress.client(peer: "10.0.0.5", forwarded: [], xForwardedFor: [], trusted: []) == "10.0.0.5")
        #expect(ClientAddress.Prefix("10.0.0.0/33") == nil)
        #expect(ClientAddress.Prefix("example.org") == nil)
    }
}
