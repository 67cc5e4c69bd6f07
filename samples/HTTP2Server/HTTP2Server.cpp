//
// HTTP2Server.cpp
//
// A sample Poco ServerApplication serving ordinary Poco request handlers over
// HTTP/2 (h2c with prior knowledge and h2 over TLS) and HTTP/1.1 with
// PocoH2::HTTP2Server.
//
// The handlers below are plain Poco::Net::HTTPRequestHandler subclasses: they
// are written exactly as they would be for Poco::Net::HTTPServer.
//

#include "PocoH2/PocoH2.h"

#include <Poco/CountingStream.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/NullStream.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <Poco/URI.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using Poco::Net::HTMLForm;
using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPRequestHandlerFactory;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using Poco::Util::Application;
using Poco::Util::HelpFormatter;
using Poco::Util::Option;
using Poco::Util::OptionSet;
using Poco::Util::ServerApplication;

namespace {

const std::string HELLO_BODY("Hello, world\n");
const std::size_t ONE_MIB = 1024 * 1024;
const std::size_t STREAM_CHUNK_SIZE = 16 * 1024;
const Poco::UInt64 MAX_STREAM_BYTES = Poco::UInt64(64) * 1024 * 1024 * 1024;
const int MAX_SLEEP_MS = 60 * 1000;
const int MAX_PAGE_ASSETS = 300;

std::string htmlEscape(const std::string& text)
	/// Returns text with the HTML metacharacters replaced by entities.
{
	std::string result;
	result.reserve(text.size());
	for (char c : text)
	{
		switch (c)
		{
		case '&': result += "&amp;"; break;
		case '<': result += "&lt;"; break;
		case '>': result += "&gt;"; break;
		case '"': result += "&quot;"; break;
		case '\'': result += "&#39;"; break;
		default: result += c; break;
		}
	}
	return result;
}

std::string queryParameter(const HTTPServerRequest& request, const std::string& name, const std::string& deflt)
	/// Returns the value of the query parameter name of the request URI, or
	/// deflt if there is none. Throws Poco::SyntaxException for a bad URI.
{
	Poco::URI uri(request.getURI());
	for (const auto& parameter : uri.getQueryParameters())
	{
		if (parameter.first == name)
			return parameter.second;
	}
	return deflt;
}

void sendText(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& text)
	/// Sends a short text/plain response.
{
	response.setStatusAndReason(status);
	response.setContentType("text/plain; charset=utf-8");
	response.sendBuffer(text.data(), text.size());
}

class HelloHandler : public HTTPRequestHandler
	/// Answers "Hello, world\n" (13 bytes): the benchmark's small response.
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		response.setContentType("text/plain");
		response.sendBuffer(HELLO_BODY.data(), HELLO_BODY.size());
	}
};

class EchoHandler : public HTTPRequestHandler
	/// Streams the request body back as the response body, as it arrives.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		response.setContentType(request.has("Content-Type") ? request.getContentType() : "application/octet-stream");
		if (request.hasContentLength())
			response.setContentLength64(request.getContentLength64());
		else
			response.setChunkedTransferEncoding(true);
		std::ostream& out = response.send();
		Poco::StreamCopier::copyStream(request.stream(), out);
	}
};

class StreamHandler : public HTTPRequestHandler
	/// Generates /stream?bytes=N bytes and sends them in chunks, never
	/// holding more than one chunk in memory.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		Poco::UInt64 bytes = 0;
		if (!Poco::NumberParser::tryParseUnsigned64(queryParameter(request, "bytes", "1048576"), bytes) ||
			bytes > MAX_STREAM_BYTES)
		{
			sendText(response, HTTPResponse::HTTP_BAD_REQUEST, "bytes must be a number from 0 to 64 GiB\n");
			return;
		}
		static const std::vector<char> chunk = makeChunk();
		response.setContentType("application/octet-stream");
		response.setContentLength64(bytes);
		std::ostream& out = response.send();
		while (bytes > 0 && out.good())
		{
			std::size_t n = static_cast<std::size_t>(std::min<Poco::UInt64>(bytes, chunk.size()));
			out.write(chunk.data(), static_cast<std::streamsize>(n));
			bytes -= n;
		}
	}

private:
	static std::vector<char> makeChunk()
	{
		std::vector<char> chunk(STREAM_CHUNK_SIZE);
		for (std::size_t i = 0; i < chunk.size(); ++i)
			chunk[i] = static_cast<char>('a' + i % 26);
		return chunk;
	}
};

class SlowHandler : public HTTPRequestHandler
	/// Sleeps /slow?ms=N milliseconds (at most a minute), then answers. Shows
	/// that a slow handler does not hold up the other streams.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		int ms = 0;
		if (!Poco::NumberParser::tryParse(queryParameter(request, "ms", "1000"), ms) || ms < 0 || ms > MAX_SLEEP_MS)
		{
			sendText(response, HTTPResponse::HTTP_BAD_REQUEST, "ms must be a number from 0 to 60000\n");
			return;
		}
		Poco::Thread::sleep(ms);
		sendText(response, HTTPResponse::HTTP_OK, "slept " + std::to_string(ms) + " ms\n");
	}
};

class OneMiBHandler : public HTTPRequestHandler
	/// Answers a 1 MiB body from a static buffer with sendBuffer().
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		static const std::vector<char> body(ONE_MIB, 'x');
		response.setContentType("application/octet-stream");
		response.sendBuffer(body.data(), body.size());
	}
};

class FilePartHandler : public Poco::Net::PartHandler
	/// Counts the bytes of each uploaded file instead of storing it.
{
public:
	struct Part
	{
		std::string name;
		std::string fileName;
		std::string contentType;
		std::streamsize size;
	};

	void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override
	{
		Part part;
		part.contentType = header.get("Content-Type", "(unspecified)");
		if (header.has("Content-Disposition"))
		{
			std::string disposition;
			Poco::Net::NameValueCollection parameters;
			Poco::Net::MessageHeader::splitParameters(header["Content-Disposition"], disposition, parameters);
			part.name = parameters.get("name", "(unnamed)");
			part.fileName = parameters.get("filename", "");
		}
		Poco::CountingInputStream counter(stream);
		Poco::NullOutputStream sink;
		Poco::StreamCopier::copyStream(counter, sink);
		part.size = counter.chars();
		_parts.push_back(part);
	}

	const std::vector<Part>& parts() const
	{
		return _parts;
	}

private:
	std::vector<Part> _parts;
};

class FormHandler : public HTTPRequestHandler
	/// GET: two forms, URL-encoded and multipart with a file field.
	/// POST: parses the form with HTMLForm and lists fields and file sizes.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::ostringstream html;
		html << "<!DOCTYPE html>\n<html><head><title>poco-h2 form</title></head><body>\n"
			 << "<p>Served over " << htmlEscape(request.getVersion()) << (request.secure() ? " with TLS" : "")
			 << ".</p>\n";
		if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_POST)
		{
			FilePartHandler partHandler;
			HTMLForm form(request, request.stream(), partHandler);
			html << "<h1>Fields</h1>\n<ul>\n";
			for (const auto& field : form)
				html << "<li>" << htmlEscape(field.first) << " = " << htmlEscape(field.second) << "</li>\n";
			html << "</ul>\n<h1>Files</h1>\n<ul>\n";
			for (const auto& part : partHandler.parts())
			{
				html << "<li>" << htmlEscape(part.name) << ": " << htmlEscape(part.fileName) << " ("
					 << htmlEscape(part.contentType) << "), " << part.size << " bytes</li>\n";
			}
			html << "</ul>\n<p><a href=\"/form\">back</a></p>\n";
		}
		else
		{
			html << "<h1>URL-encoded</h1>\n"
				 << "<form method=\"post\" action=\"/form\">\n"
				 << "<input type=\"text\" name=\"name\" value=\"poco\">\n"
				 << "<input type=\"text\" name=\"comment\" value=\"h2\">\n"
				 << "<input type=\"submit\" value=\"Send\">\n</form>\n"
				 << "<h1>Multipart with a file</h1>\n"
				 << "<form method=\"post\" action=\"/form\" enctype=\"multipart/form-data\">\n"
				 << "<input type=\"text\" name=\"name\" value=\"poco\">\n"
				 << "<input type=\"file\" name=\"file\">\n"
				 << "<input type=\"submit\" value=\"Upload\">\n</form>\n";
		}
		html << "</body></html>\n";
		std::string body = html.str();
		response.setContentType("text/html; charset=utf-8");
		response.sendBuffer(body.data(), body.size());
	}
};

class PidHandler : public HTTPRequestHandler
	/// Answers the server's process id: shows which of several processes
	/// sharing a port (SO_REUSEPORT) or behind a load balancer served a
	/// request.
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		sendText(response, HTTPResponse::HTTP_OK, std::to_string(Poco::Process::id()) + "\n");
	}
};

void setPeerTiming(const HTTPServerRequest& request, HTTPServerResponse& response)
	/// Puts the client's address (one per TCP connection) into a
	/// Server-Timing header, which a browser page can read through its
	/// Performance API (PerformanceResourceTiming.serverTiming).
{
	response.set("Server-Timing", "peer;desc=\"" + request.clientAddress().toString() + "\"");
	response.set("Cache-Control", "no-store");
}

class PageHandler : public HTTPRequestHandler
	/// /page?assets=N: an HTML page with N sub-resources (images, scripts
	/// and fetches of /asset/...), whose script reports, through the
	/// Performance API, the protocol each one came over and from which
	/// client address (that is, which connection) the server saw it.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		int assets = 0;
		if (!Poco::NumberParser::tryParse(queryParameter(request, "assets", "50"), assets) || assets < 1 ||
			assets > MAX_PAGE_ASSETS)
		{
			sendText(response, HTTPResponse::HTTP_BAD_REQUEST, "assets must be a number from 1 to 300\n");
			return;
		}
		std::ostringstream html;
		html << "<!DOCTYPE html>\n<html><head><title>poco-h2 page</title>\n"
			 << "<script>window.scriptsRun = 0; window.fetchUrls = [];</script>\n</head><body>\n"
			 << "<p>A page with " << assets << " sub-resources.</p>\n";
		for (int i = 0; i < assets; ++i)
		{
			switch (i % 3)
			{
			case 0: html << "<img src=\"/asset/" << i << ".svg\" width=\"8\" height=\"8\" alt=\"\">\n"; break;
			case 1: html << "<script src=\"/asset/" << i << ".js\"></script>\n"; break;
			default: html << "<script>window.fetchUrls.push('/asset/" << i << ".txt');</script>\n"; break;
			}
		}
		html << "<pre id=\"result\">pending</pre>\n<script>\n"
				"window.addEventListener('load', function () {\n"
				"  Promise.all(window.fetchUrls.map(function (u) { return fetch(u).then(function (r) { return r.text(); }); }))\n"
				"  .then(function () {\n"
				"    var peer = function (e) { var t = e.serverTiming || []; for (var i = 0; i < t.length; ++i) if (t[i].name === 'peer') return t[i].description; return ''; };\n"
				"    var nav = performance.getEntriesByType('navigation')[0];\n"
				"    var assets = performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/asset/') >= 0; })\n"
				"      .map(function (e) { return { url: e.name, protocol: e.nextHopProtocol, peer: peer(e) }; });\n"
				"    document.getElementById('result').textContent = JSON.stringify({ page: { protocol: nav.nextHopProtocol, peer: peer(nav) },\n"
				"      scriptsRun: window.scriptsRun, assets: assets });\n"
				"  }, function (error) { document.getElementById('result').textContent = 'error: ' + error; });\n"
				"});\n</script>\n</body></html>\n";
		std::string body = html.str();
		setPeerTiming(request, response);
		response.setContentType("text/html; charset=utf-8");
		response.sendBuffer(body.data(), body.size());
	}
};

class AssetHandler : public HTTPRequestHandler
	/// /asset/N.svg, /asset/N.js, /asset/N.txt: the small sub-resources of
	/// /page.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::string& uri = request.getURI();
		std::string path = uri.substr(0, uri.find('?'));
		std::string extension = path.substr(path.rfind('.') + 1);
		std::string body;
		if (extension == "svg")
		{
			response.setContentType("image/svg+xml");
			body = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\" "
				   "fill=\"#36c\"/></svg>\n";
		}
		else if (extension == "js")
		{
			response.setContentType("text/javascript");
			body = "window.scriptsRun += 1;\n";
		}
		else if (extension == "txt")
		{
			response.setContentType("text/plain");
			body = path + "\n";
		}
		else
		{
			sendText(response, HTTPResponse::HTTP_NOT_FOUND, "assets are /asset/N.svg, /asset/N.js or /asset/N.txt\n");
			return;
		}
		setPeerTiming(request, response);
		response.sendBuffer(body.data(), body.size());
	}
};

class NotFoundHandler : public HTTPRequestHandler
	/// Answers 404 with the list of routes.
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		sendText(response, HTTPResponse::HTTP_NOT_FOUND,
			"not found; try /, /echo, /stream?bytes=N, /slow?ms=N, /form, /1m, /pid or /page?assets=N\n");
	}
};

class SampleRequestHandlerFactory : public HTTPRequestHandlerFactory
	/// Routes on the path of the request URI. Called concurrently by the
	/// server's handler threads; it keeps no state.
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		const std::string& uri = request.getURI();
		std::string path = uri.substr(0, uri.find('?'));
		if (path == "/")
			return new HelloHandler;
		if (path == "/echo")
			return new EchoHandler;
		if (path == "/stream")
			return new StreamHandler;
		if (path == "/slow")
			return new SlowHandler;
		if (path == "/form")
			return new FormHandler;
		if (path == "/1m")
			return new OneMiBHandler;
		if (path == "/pid")
			return new PidHandler;
		if (path == "/page")
			return new PageHandler;
		if (path.compare(0, 7, "/asset/") == 0)
			return new AssetHandler;
		return new NotFoundHandler;
	}
};

} // namespace

class HTTP2ServerApp : public ServerApplication
	/// The sample application: a cleartext and a TLS HTTP2Server sharing
	/// one request handler factory.
	///
	/// Its settings come from the application's layered configuration:
	/// HTTP2Server.properties beside the executable if present (Poco's
	/// loadConfiguration()), files given with --config-file, and the
	/// command-line options, which win. The sample's own keys are
	/// HTTP2Server.port, .tlsPort, .bind, .dataDir and .reusePort; the
	/// server parameters are read by HTTP2ServerParams::fromConfiguration()
	/// from h2.server.* (see docs/CONFIGURATION.md).
{
public:
	HTTP2ServerApp() : _helpRequested(false)
	{
	}

protected:
	void initialize(Application& self) override
	{
		loadConfiguration();
		ServerApplication::initialize(self);
		Poco::Net::initializeSSL();
	}

	void uninitialize() override
	{
		Poco::Net::uninitializeSSL();
		ServerApplication::uninitialize();
	}

	void defineOptions(OptionSet& options) override
	{
		ServerApplication::defineOptions(options);
		options.addOption(Option("help", "h", "Show this help and exit.").required(false).repeatable(false));
		options.addOption(Option("config-file", "f", "Load configuration (.properties, .ini or .xml) from FILE.")
							  .required(false)
							  .repeatable(true)
							  .argument("FILE"));
		options.addOption(Option("port", "p", "Cleartext port (h2c with prior knowledge and HTTP/1.1). "
											  "0 lets the OS pick one; \"off\" disables it. Default: 8080.")
							  .required(false)
							  .repeatable(false)
							  .argument("N"));
		options.addOption(Option("tls-port", "s", "TLS port (h2 and http/1.1 by ALPN). "
												  "0 lets the OS pick one; \"off\" disables it. Default: 8443.")
							  .required(false)
							  .repeatable(false)
							  .argument("N"));
		options.addOption(Option("bind", "b", "Address to listen on. Default: 127.0.0.1.")
							  .required(false)
							  .repeatable(false)
							  .argument("ADDR"));
		options.addOption(Option("reuse-port", "r",
			"Bind with SO_REUSEPORT, so that several processes can listen on the same port and the kernel "
			"spreads the connections over them.")
							  .required(false)
							  .repeatable(false));
		options.addOption(Option("data-dir", "d",
			"Directory of the self-signed certificate (cert.pem, key.pem), created on first run. "
			"Default: $XDG_DATA_HOME/poco-h2 or ~/.local/share/poco-h2.")
							  .required(false)
							  .repeatable(false)
							  .argument("PATH"));
		options.addOption(Option("io-threads", "i", "Event-loop threads per server (h2.server.ioThreads). Default: 1.")
							  .required(false)
							  .repeatable(false)
							  .argument("N"));
		options.addOption(Option("threads", "t", "Request handler threads per server (h2.server.maxThreads). Default: 16.")
							  .required(false)
							  .repeatable(false)
							  .argument("N"));
		options.addOption(Option("inline-handlers", "n",
			"Handle requests without a pending body on the event-loop threads (h2.server.inlineHandlers): "
			"faster for handlers that never block; /slow then stalls every connection of its thread.")
							  .required(false)
							  .repeatable(false));
	}

	void handleOption(const std::string& name, const std::string& value) override
	{
		ServerApplication::handleOption(name, value);
		if (name == "help")
		{
			_helpRequested = true;
			stopOptionsProcessing();
		}
		else if (name == "config-file")
			loadConfiguration(value);
		else if (name == "port")
			config().setString("HTTP2Server.port", value);
		else if (name == "tls-port")
			config().setString("HTTP2Server.tlsPort", value);
		else if (name == "bind")
			config().setString("HTTP2Server.bind", value);
		else if (name == "reuse-port")
			config().setBool("HTTP2Server.reusePort", true);
		else if (name == "data-dir")
			config().setString("HTTP2Server.dataDir", value);
		else if (name == "io-threads")
			config().setString("h2.server.ioThreads", value);
		else if (name == "threads")
			config().setString("h2.server.maxThreads", value);
		else if (name == "inline-handlers")
			config().setBool("h2.server.inlineHandlers", true);
	}

	int main(const std::vector<std::string>&) override
	{
		if (_helpRequested)
		{
			HelpFormatter helpFormatter(options());
			helpFormatter.setCommand(commandName());
			helpFormatter.setUsage("[--config-file=FILE] [--port=N] [--tls-port=N] [--bind=ADDR] [--reuse-port] "
								   "[--data-dir=PATH] [--io-threads=N] [--threads=N] [--inline-handlers]");
			helpFormatter.setHeader("Serves Poco request handlers over HTTP/2 and HTTP/1.1 with poco-h2 " +
									std::string(POCOH2_VERSION_STRING) +
									".\nRoutes: / (13-byte hello), /echo (POST body back), /stream?bytes=N, "
									"/slow?ms=N, /form (HTML forms, also multipart), /1m (1 MiB), /pid (process id), "
									"/page?assets=N (an HTML page with N sub-resources).\n"
									"Server parameters are read from the configuration keys h2.server.* "
									"(docs/CONFIGURATION.md).");
			helpFormatter.format(std::cout);
			return Application::EXIT_OK;
		}

		int port = 0;
		int tlsPort = 0;
		std::string bindAddress;
		bool reusePort = false;
		Poco::Net::HTTPServerParams::Ptr pParams;
		try
		{
			port = parsePort("HTTP2Server.port", config().getString("HTTP2Server.port", "8080"));
			tlsPort = parsePort("HTTP2Server.tlsPort", config().getString("HTTP2Server.tlsPort", "8443"));
			bindAddress = config().getString("HTTP2Server.bind", "127.0.0.1");
			reusePort = config().getBool("HTTP2Server.reusePort", false);
			pParams = makeParams();
		}
		catch (const Poco::Exception& exc)
		{
			logger().error("Bad configuration: " + exc.displayText());
			return Application::EXIT_CONFIG;
		}
		if (port < 0 && tlsPort < 0)
		{
			logger().error("Both --port and --tls-port are off: nothing to serve.");
			return Application::EXIT_USAGE;
		}

		Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory = new SampleRequestHandlerFactory;
		std::vector<std::unique_ptr<PocoH2::HTTP2Server>> servers;

		if (port >= 0)
		{
			Poco::Net::ServerSocket socket = listen(bindAddress, port, reusePort);
			servers.push_back(std::make_unique<PocoH2::HTTP2Server>(pFactory, socket, pParams));
			servers.back()->start();
			announce("cleartext", socket);
		}
		if (tlsPort >= 0)
		{
			Poco::Net::Context::Ptr pContext = makeContext();
			Poco::Net::ServerSocket socket = listen(bindAddress, tlsPort, reusePort);
			servers.push_back(std::make_unique<PocoH2::HTTP2Server>(pFactory, socket, pParams, pContext));
			servers.back()->start();
			announce("tls", socket);
		}

		waitForTerminationRequest();
		logger().information("Stopping.");
		for (auto& pServer : servers)
			pServer->stop();
		return Application::EXIT_OK;
	}

private:
	static const int LISTEN_BACKLOG = 256;

	static int parsePort(const std::string& key, const std::string& value)
		/// Returns the port, or -1 for "off". Throws Poco::InvalidArgumentException.
	{
		if (value == "off" || value == "none")
			return -1;
		unsigned port = 0;
		if (!Poco::NumberParser::tryParseUnsigned(value, port) || port > 65535)
			throw Poco::InvalidArgumentException(key + " (--port, --tls-port) wants a port number, 0 or off", value);
		return static_cast<int>(port);
	}

	static Poco::Net::ServerSocket listen(const std::string& address, int port, bool reusePort)
		/// Returns a listening socket. With reusePort, SO_REUSEPORT lets other
		/// processes (which must set it too) listen on the same port.
	{
		Poco::Net::ServerSocket socket;
		socket.bind(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)), true, reusePort);
		socket.listen(LISTEN_BACKLOG);
		return socket;
	}

	Poco::Net::HTTPServerParams::Ptr makeParams()
		/// Reads the server parameters from h2.server.* of the configuration.
		/// Throws Poco::InvalidArgumentException naming a bad or unknown key.
	{
		if (!config().hasProperty("h2.server.softwareVersion"))
			config().setString("h2.server.softwareVersion", "poco-h2/" POCOH2_VERSION_STRING);
		return PocoH2::HTTP2ServerParams::fromConfiguration(config(), "h2.server");
	}

	Poco::Net::Context::Ptr makeContext()
		/// Creates the server's TLS context from the self-signed certificate
		/// in the data directory, generating it on first run.
	{
		std::string dataDir = config().getString("HTTP2Server.dataDir", "");
		Poco::Path dir = dataDir.empty() ? defaultDataDir() : Poco::Path::forDirectory(dataDir);
		Poco::File(dir).createDirectories();
		std::string certFile = Poco::Path(dir, "cert.pem").toString();
		std::string keyFile = Poco::Path(dir, "key.pem").toString();
		if (PocoH2::SelfSignedCertificate::ensure(certFile, keyFile))
			logger().information("Created a self-signed certificate: " + certFile);

		// HTTP/2 wants TLS 1.2 or later and none of the ciphers of RFC 9113
		// Appendix A, so offer only ECDHE with AEAD for TLS 1.2.
		Poco::Net::Context::Ptr pContext = new Poco::Net::Context(Poco::Net::Context::SERVER_USE, keyFile, certFile, "",
			Poco::Net::Context::VERIFY_NONE, 9, false,
			"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
			"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
		pContext->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
			Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
		pContext->preferServerCiphers();
		return pContext;
	}

	static Poco::Path defaultDataDir()
	{
		Poco::Path dir = Poco::Path::forDirectory(Poco::Path::dataHome());
		dir.pushDirectory("poco-h2");
		return dir;
	}

	static void announce(const std::string& kind, const Poco::Net::ServerSocket& socket)
		/// Prints the address actually bound: scripts and tests parse this line.
	{
		std::cout << "listening " << kind << " on " << socket.address().toString() << std::endl;
	}

	bool _helpRequested;
};

POCO_SERVER_MAIN(HTTP2ServerApp)
