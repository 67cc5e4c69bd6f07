//
// PocoH2.h
//
// Umbrella header of poco-h2.
//

#ifndef PocoH2_PocoH2_INCLUDED
#define PocoH2_PocoH2_INCLUDED

#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientParams.h"
#include "PocoH2/HTTP2ClientSession.h"
#include "PocoH2/HTTP2Exception.h"
#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/HTTP2ServerRequest.h"
#include "PocoH2/HTTP2ServerResponse.h"
#include "PocoH2/HTTP2StreamFactory.h"
#include "PocoH2/SelfSignedCertificate.h"

#define POCOH2_VERSION_STRING "0.1.0"

#endif // PocoH2_PocoH2_INCLUDED
