#include "server/H2ServerRequest.h"
#include "server/HeaderMapping.h"

namespace PocoH2 {
namespace Adapters {

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
	if (!isWorthKeeping(*this))
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
