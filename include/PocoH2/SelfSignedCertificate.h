//
// SelfSignedCertificate.h
//
// Creating a self-signed certificate for development and tests.
//

#ifndef PocoH2_SelfSignedCertificate_INCLUDED
#define PocoH2_SelfSignedCertificate_INCLUDED

#include <string>

namespace PocoH2 {

class SelfSignedCertificate
	/// Writes a self-signed certificate and its private key (PEM) for
	/// development servers and tests. Never use one in production.
{
public:
	static void create(const std::string& certificatePath, const std::string& privateKeyPath,
		const std::string& commonName = "localhost", int validDays = 365);
		/// Generates a 2048-bit RSA key and a certificate for commonName (with
		/// subjectAltName DNS:commonName, DNS:localhost, IP:127.0.0.1, IP:::1)
		/// and writes both files; the key file gets mode 0600.
		/// Throws Poco::IOException if a file cannot be written, or
		/// Poco::Exception if OpenSSL fails.

	static bool ensure(const std::string& certificatePath, const std::string& privateKeyPath,
		const std::string& commonName = "localhost");
		/// Calls create() unless both files exist. Returns true if it created them.
};

} // namespace PocoH2

#endif // PocoH2_SelfSignedCertificate_INCLUDED
