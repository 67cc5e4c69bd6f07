#include "server/H2ServerRequest.h"
#include "server/HeaderMapping.h"

namespace PocoH2 {
namespace Adapters {

H2ServerRequest::H2ServerRequest(Server::ServerStream& stream, Poco::Net::HTTPServerResponse& response,
	const Poco::Net::HTTPServerParams& params):
	_stream(stream),
	_response(response),
	_params(params)
{
	borrowFieldStorage(*this);
	fillRequest(*this, stream.request());
}

H2ServerRequest::~H2ServerRequest()
{
	returnFieldStorage(*this);
}

std::istream& H2ServerRequest::stream()
{
	if (!_pBody)
		_pBody = std::make_unique<RequestBodyStream>(_stream);
	return *_pBody;
}

const Poco::Net::SocketAddress& H2ServerRequest::clientAddress() const
{
	return _stream.connectionInfo().clientAddress;
}

const Poco::Net::SocketAddress& H2ServerRequest::serverAddress() const
{
	return _stream.connectionInfo().serverAddress;
}

bool H2ServerRequest::secure() const
{
	return _stream.connectionInfo().secure;
}

Poco::Net::NameValueCollection H2ServerRequest::trailers() const
{
	Poco::Net::NameValueCollection result;
	const Codec::HeaderBlock trailers = _stream.requestTrailers();
	for (const auto& field : trailers.fields())
		result.add(field.first, field.second);
	return result;
}

} // namespace Adapters
} // namespace PocoH2
