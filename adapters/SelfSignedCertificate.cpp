#include "PocoH2/SelfSignedCertificate.h"
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <cstdio>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

namespace PocoH2 {

namespace {

struct KeyDeleter
{
	void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CertificateDeleter
{
	void operator()(X509* p) const { X509_free(p); }
};
struct ExtensionDeleter
{
	void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct FileCloser
{
	void operator()(FILE* p) const { std::fclose(p); }
};

void check(bool ok, const char* what)
{
	if (!ok)
		throw Poco::Exception("cannot create self-signed certificate", what);
}

std::unique_ptr<FILE, FileCloser> openForWriting(const std::string& path)
{
	const Poco::Path parent = Poco::Path(path).parent();
	if (!parent.toString().empty())
		Poco::File(parent).createDirectories();
	std::unique_ptr<FILE, FileCloser> pFile(std::fopen(path.c_str(), "wb"));
	if (!pFile)
		throw Poco::CreateFileException(path);
	return pFile;
}

} // namespace

void SelfSignedCertificate::create(
	const std::string& certificatePath, const std::string& privateKeyPath, const std::string& commonName, int validDays)
{
	std::unique_ptr<EVP_PKEY, KeyDeleter> pKey(EVP_RSA_gen(2048));
	check(pKey != nullptr, "RSA key generation failed");

	std::unique_ptr<X509, CertificateDeleter> pCertificate(X509_new());
	check(pCertificate != nullptr, "X509_new failed");
	X509* pX509 = pCertificate.get();
	X509_set_version(pX509, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(pX509), static_cast<long>(std::time(nullptr)));
	X509_gmtime_adj(X509_getm_notBefore(pX509), -3600);
	X509_gmtime_adj(X509_getm_notAfter(pX509), static_cast<long>(validDays) * 24 * 3600);
	check(X509_set_pubkey(pX509, pKey.get()) == 1, "X509_set_pubkey failed");
	X509_NAME* pName = X509_get_subject_name(pX509);
	X509_NAME_add_entry_by_txt(pName, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("poco-h2"), -1, -1, 0);
	X509_NAME_add_entry_by_txt(
		pName, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
	X509_set_issuer_name(pX509, pName);

	X509V3_CTX context;
	X509V3_set_ctx_nodb(&context);
	X509V3_set_ctx(&context, pX509, pX509, nullptr, nullptr, 0);
	const std::string altNames = "DNS:" + commonName + ",DNS:localhost,IP:127.0.0.1,IP:::1";
	std::unique_ptr<X509_EXTENSION, ExtensionDeleter> pAltNames(
		X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, altNames.c_str()));
	check(pAltNames != nullptr, "subjectAltName failed");
	X509_add_ext(pX509, pAltNames.get(), -1);
	check(X509_sign(pX509, pKey.get(), EVP_sha256()) > 0, "X509_sign failed");

	{
		auto pFile = openForWriting(privateKeyPath);
		::chmod(privateKeyPath.c_str(), 0600);
		check(PEM_write_PrivateKey(pFile.get(), pKey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
			"writing the private key failed");
	}
	{
		auto pFile = openForWriting(certificatePath);
		check(PEM_write_X509(pFile.get(), pX509) == 1, "writing the certificate failed");
	}
}

bool SelfSignedCertificate::ensure(
	const std::string& certificatePath, const std::string& privateKeyPath, const std::string& commonName)
{
	if (Poco::File(certificatePath).exists() && Poco::File(privateKeyPath).exists())
		return false;
	create(certificatePath, privateKeyPath, commonName);
	return true;
}

} // namespace PocoH2
