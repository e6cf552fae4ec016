import AsyncHTTPClient
import Foundation
import LifelineCore
import NIOCore

/// Builds the HTTP request for one SMS from an ``SMSGatewayConfiguration``.
enum SMSRequest {
    static func build(_ configuration: SMSGatewayConfiguration, to: String, text: String) throws -> HTTPClientRequest {
        let values = ["to": to, "text": text, "from": configuration.from]
        let pairs = configuration.fields.sorted { $0.key < $1.key }
            .map { ($0.key, SMSTemplate.fill($0.value, values: values)) }
        var url = configuration.url
        var body: (contentType: String, bytes: String)?
        switch (configuration.method, configuration.encoding) {
        case (.get, _):
            url += (url.contains("?") ? "&" : "?") + SMSTemplate.formEncode(pairs, spaceAsPlus: false)
        case (.post, .form):
            body = ("application/x-www-form-urlencoded", SMSTemplate.formEncode(pairs, spaceAsPlus: true))
        case (.post, .json):
            body = ("application/json", SMSTemplate.jsonObject(pairs))
        }
        var request = HTTPClientRequest(url: url)
        request.method = configuration.method == .get ? .GET : .POST
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        switch configuration.authentication {
        case .none: break
        case .basic(let username, let password):
            request.headers.replaceOrAdd(name: "Authorization",
                                         value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .bearer(let token):
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer " + token)
        }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: body.contentType)
            let buffer = ByteBuffer(string: body.bytes)
            request.body = .bytes(buffer)
        }
        request.headers.replaceOrAdd(name: "Accept", value: "application/json, */*;q=0.5")
        return request
    }
}
