module github.com/mailwright/mailwright/tools/bench

go 1.26

replace (
	github.com/mailwright/mailwright/dkim => ../../dkim
	github.com/mailwright/mailwright/mailsender => ../../mailsender
	github.com/mailwright/mailwright/mime => ../../mime
	github.com/mailwright/mailwright/oauthgmail => ../../oauthgmail
	github.com/mailwright/mailwright/saslmech => ../../saslmech
	github.com/mailwright/mailwright/smime => ../../smime
	github.com/mailwright/mailwright/smtpclient => ../../smtpclient
	github.com/mailwright/mailwright/tlsprofile => ../../tlsprofile
)
