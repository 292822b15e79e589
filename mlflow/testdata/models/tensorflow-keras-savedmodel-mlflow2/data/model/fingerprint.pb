placeholder bytes for data/model/fingerprint.pb of fixture tensorflow-keras-savedmodel-mlflow2
