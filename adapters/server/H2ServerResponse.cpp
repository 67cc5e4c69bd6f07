#include "server/H2ServerResponse.h"
#include "server/HeaderMapping.h"
#include "PocoH2/HTTP2Exception.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

namespace PocoH2 {
namespace Adapters {

H2ServerResponse::H2ServerResponse(Server::ServerStream& stream, bool headRequest):
	_stream(stream),
	_headRequest(headRequest)
{
	borrowFieldStorage(*this);
}

H2ServerResponse::~H2ServerResponse()
{
	returnFieldStorage(*this);
}

bool H2ServerResponse::bodyAllowed() const
{
	const int status = getStatus();
	return status >= 200 && status != HTTP_NO_CONTENT && status != HTTP_NOT_MODIFIED;
}

void H2ServerResponse::commitHead()
{
	if (_committed)
		return;
	_committed = true;
	const bool body = bodyAllowed();
	_discardBody = !body || _headRequest;
	// An empty body ends the stream with the HEADERS frame.
	const bool emptyBody = contentLength(*this) == 0 && !_headRequest;
	// A HEAD response keeps the Content-Length of the GET it stands for.
	_stream.sendHead(toResponseHeaders(*this, body || _headRequest), !_discardBody && !emptyBody);
}

std::ostream& H2ServerResponse::commit()
{
	commitHead();
	if (!_pBody)
		_pBody = std::make_unique<ResponseBodyStream>(_stream, _discardBody);
	return *_pBody;
}

void H2ServerResponse::sendContinue()
{
	Codec::HeaderBlock headers;
	headers.add(":status", "100");
	_stream.sendInformational(std::move(headers));
}

std::ostream& H2ServerResponse::send()
{
	poco_assert(!_committed);
	return commit();
}

void H2ServerResponse::sendFile(const std::string& path, const std::string& mediaType)
{
	poco_assert(!_committed);
	Poco::File file(path);
	const Poco::Timestamp modified = file.getLastModified();
	const Poco::File::FileSize length = file.getSize();
	set("Last-Modified", Poco::DateTimeFormatter::format(modified, Poco::DateTimeFormat::HTTP_FORMAT));
	setContentLength64(static_cast<Poco::Int64>(length));
	setContentType(mediaType);
	setChunkedTransferEncoding(false);
	Poco::FileInputStream input(path);
	if (!input.good())
		throw Poco::OpenFileException(path);
	std::ostream& out = commit();
	if (bodyAllowed() && !_headRequest)
		Poco::StreamCopier::copyStream(input, out, 64 * 1024);
}

void H2ServerResponse::sendBuffer(const void* pBuffer, std::size_t length)
{
	poco_assert(!_committed);
	setContentLength(static_cast<std::streamsize>(length));
	setChunkedTransferEncoding(false);
	// Straight into the stream: no body stream, no copy into its buffer.
	commitHead();
	if (_discardBody || length == 0)
		return;
	try
	{
		_stream.writeBody(static_cast<const char*>(pBuffer), length);
	}
	catch (HTTP2Exception&)
	{
		// The stream was reset: like a write to a broken ostream, the bytes go nowhere.
	}
}

void H2ServerResponse::redirect(const std::string& uri, HTTPStatus status)
{
	poco_assert(!_committed);
	setContentLength(0);
	setChunkedTransferEncoding(false);
	setStatusAndReason(status);
	set("Location", uri);
	commit();
}

void H2ServerResponse::requireAuthentication(const std::string& realm)
{
	poco_assert(!_committed);
	setStatusAndReason(HTTP_UNAUTHORIZED);
	set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
	setContentLength(0);
	setChunkedTransferEncoding(false);
	commit();
}

void H2ServerResponse::addTrailer(const std::string& name, const std::string& value)
{
	std::string lowerName = Poco::toLower(name);
	if (lowerName.empty() || lowerName[0] == ':' || isConnectionSpecificHeader(lowerName, value))
		return;
	_trailers.add(std::move(lowerName), value);
}

void H2ServerResponse::finish()
{
	commitHead();
	// Not _pBody->flush(): that would wake the connection per response; the
	// handler thread does that once it has no more work (ServerStream::flush).
	if (_pBody)
		_pBody->finish(std::move(_trailers));
	else
		_stream.endBody(_discardBody ? Codec::HeaderBlock() : std::move(_trailers));
}

} // namespace Adapters
} // namespace PocoH2
