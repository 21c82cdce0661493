export { CodecError, isCodecError, type CodecErrorCode } from './errors.js'
export { Reader, MAX_UINT64, latin1, latin1At } from './reader.js'
export { Writer, lengthPrefixSize, varUIntSize, varUIntBodySize, varOctetStringSize, utf8Length, writeLengthAt } from './writer.js'
export { allocBytes, copyBytes } from './alloc.js'
