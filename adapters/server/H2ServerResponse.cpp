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

H2ServerResponse::H2ServerResponse(): _defaultFieldLimit(getFieldLimit())
{
}

H2ServerResponse::~H2ServerResponse() = default;

void H2ServerResponse::open(
	Server::ServerStream& stream, bool headRequest, const std::string& date, const std::string& server)
{
	_pStream = &stream;
	_headRequest = headRequest;
	_committed = false;
	_discardBody = false;
	if (getStatus() != HTTP_OK || getReason() != HTTP_REASON_OK)
		setStatusAndReason(HTTP_OK);
	if (getFieldLimit() != _defaultFieldLimit)
		setFieldLimit(_defaultFieldLimit);
	resetResponseFields(*this, date, server);
}

void H2ServerResponse::close() noexcept
{
	_pBody.reset();
	_trailers.clear();
	_pStream = nullptr;
	if (!isWorthKeeping(*this))
	{
		Poco::Net::NameValueCollection none;
		swap(none);
	}
}

bool H2ServerResponse::bodyAllowed() const
{
	const int status = getStatus();
	return status >= 200 && status != HTTP_NO_CONTENT && status != HTTP_NOT_MODIFIED;
}

std::size_t H2ServerResponse::commitHead(Poco::Int64 knownContentLength, const char* pBody, std::size_t bodyLength)
{
	if (_committed)
		return 0;
	const bool body = bodyAllowed();
	// A HEAD response keeps the Content-Length of the GET it stands for.
	// Built over the storage of the head the stream object sent last.
	ResponseHead head = toResponseHead(*this, body || _headRequest, _pStream->takeHeadStorage());
	if (knownContentLength == UNKNOWN_CONTENT_LENGTH && head.pContentLength)
		knownContentLength = parseContentLength(*head.pContentLength); // may throw: nothing is sent then
	_committed = true;
	_discardBody = !body || _headRequest;
	// An empty body ends the stream with the HEADERS frame.
	const bool emptyBody = knownContentLength == 0 && !_headRequest;
	const bool withBody = !_discardBody && !emptyBody;
	if (withBody && bodyLength > 0)
		return _pStream->sendHeadWithBody(std::move(head.headers), pBody, bodyLength);
	_pStream->sendHead(std::move(head.headers), withBody);
	return 0;
}

std::ostream& H2ServerResponse::commit()
{
	commitHead();
	if (!_pBody)
		_pBody = std::make_unique<ResponseBodyStream>(*_pStream, _discardBody);
	return *_pBody;
}

void H2ServerResponse::sendContinue()
{
	Codec::HeaderBlock headers;
	headers.add(":status", "100");
	_pStream->sendInformational(std::move(headers));
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
	setFixedContentLength(*this, length);
	setContentType(mediaType);
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
	setFixedContentLength(*this, length);
	const char* pBytes = static_cast<const char*>(pBuffer);
	try
	{
		if (length > _pStream->responseBufferSize() && !_pStream->runsInline())
		{
			// More than the response buffer holds: the loop frames the bytes
			// from the caller's buffer, which stays put until this returns,
			// instead of this thread copying them in piece by piece and
			// waiting for room between the pieces.
			commitHead(static_cast<Poco::Int64>(length));
			if (!_discardBody)
				_pStream->lendBody(pBytes, length);
			return;
		}
		// Straight into the stream: no body stream, no copy into its buffer.
		// The head and what fits of the body go as one event, under one lock.
		const std::size_t queued = commitHead(static_cast<Poco::Int64>(length), pBytes, length);
		if (_discardBody || queued == length)
			return;
		_pStream->writeBody(pBytes + queued, length - queued);
	}
	catch (HTTP2Exception&)
	{
		// The stream was reset: like a write to a broken ostream, the bytes go nowhere.
	}
}

void H2ServerResponse::redirect(const std::string& uri, HTTPStatus status)
{
	poco_assert(!_committed);
	setFixedContentLength(*this, 0);
	setStatusAndReason(status);
	set("Location", uri);
	commitHead(0); // no body: finish() ends the stream without a body stream
}

void H2ServerResponse::requireAuthentication(const std::string& realm)
{
	poco_assert(!_committed);
	setStatusAndReason(HTTP_UNAUTHORIZED);
	set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
	setFixedContentLength(*this, 0);
	commitHead(0); // no body: finish() ends the stream without a body stream
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
		_pStream->endBody(_discardBody ? Codec::HeaderBlock() : std::move(_trailers));
}

} // namespace Adapters
} // namespace PocoH2
