module github.com/mailwright/mailwright/tlsprofile

go 1.26
