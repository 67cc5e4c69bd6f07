#include "server/H2ServerRequest.h"
#include "server/HeaderMapping.h"

namespace PocoH2 {
namespace Adapters {

namespace {

// Fields kept between requests, for the next one to overwrite in place: a
// request with more, or larger, gives its storage back when it closes.
constexpr std::size_t MAX_KEPT_FIELDS = 32;
constexpr std::size_t MAX_KEPT_FIELD_BYTES = 8 * 1024;

bool worthKeeping(const Poco::Net::NameValueCollection& fields)
{
	if (fields.size() > MAX_KEPT_FIELDS)
		return false;
	std::size_t bytes = 0;
	for (const auto& field : fields)
		bytes += field.first.capacity() + field.second.capacity();
	return bytes <= MAX_KEPT_FIELD_BYTES;
}

} // namespace

H2ServerRequest::H2ServerRequest(): _defaultFieldLimit(getFieldLimit())
{
}

H2ServerRequest::~H2ServerRequest() = default;

void H2ServerRequest::open(Server::ServerStream& stream, Poco::Net::HTTPServerResponse& response,
	const Poco::Net::HTTPServerParams& params)
{
	_pStream = &stream;
	_pResponse = &response;
	_pParams = &params;
	if (getFieldLimit() != _defaultFieldLimit)
		setFieldLimit(_defaultFieldLimit);
	fillRequest(*this, stream.request());
	_expectContinue = Adapters::expectsContinue(stream.request());
}

void H2ServerRequest::close() noexcept
{
	_pBody.reset();
	_pStream = nullptr;
	_pResponse = nullptr;
	_pParams = nullptr;
	if (!worthKeeping(*this))
	{
		Poco::Net::NameValueCollection none;
		swap(none);
	}
}

std::istream& H2ServerRequest::stream()
{
	if (!_pBody)
		_pBody = std::make_unique<RequestBodyStream>(*_pStream);
	return *_pBody;
}

const Poco::Net::SocketAddress& H2ServerRequest::clientAddress() const
{
	return _pStream->connectionInfo().clientAddress;
}

const Poco::Net::SocketAddress& H2ServerRequest::serverAddress() const
{
	return _pStream->connectionInfo().serverAddress;
}

bool H2ServerRequest::secure() const
{
	return _pStream->connectionInfo().secure;
}

Poco::Net::NameValueCollection H2ServerRequest::trailers() const
{
	Poco::Net::NameValueCollection result;
	const Codec::HeaderBlock trailers = _pStream->requestTrailers();
	for (const auto& field : trailers.fields())
		result.add(field.first, field.second);
	return result;
}

} // namespace Adapters
} // namespace PocoH2
